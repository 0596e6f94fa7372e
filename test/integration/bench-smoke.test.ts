/**
 * `npm run bench` for about a second against a real server process on loopback: the output has
 * the columns bench/README.md documents and every figure in them parses. Timing is not judged
 * here, only the shape: a closed-loop INVITE row, and a paced sweep of 500 and 1,000/s that
 * stays below the 20,000/s target on purpose, so the verdict line and exit status 1 are checked too;
 * and the closed-loop OPTIONS rows over TLS and WSS (`--scenario tls|wss`), answered 200.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startDaemon, type Daemon } from '../helpers/index.js';
import { runBench, tableAt } from '../helpers/bench-run.js';

const BENCH_LIMIT_MS = 20_000;

const LOAD_COLUMNS = [
  'scenario', 'offered/s', 'achieved/s', 'sent', 'answered', 'lost', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms',
  'gc minor n/max ms', 'gc major n/max ms', 'gen%', 'srv%', 'other%', 'srv µs/req', 'statuses', 'note',
];

const daemons: Daemon[] = [];
afterEach(() => {
  for (const d of daemons.splice(0)) d.kill();
});

interface Server {
  readonly port: number;
  readonly pid: number;
  readonly tlsPort: number;
  readonly wssPort: number;
}

/** Defaults but for the ports: free ones, so that parallel tests never contend for 5061 / 8088 / 8089. */
async function server(): Promise<Server> {
  const [port, adminPort, tlsPort, wssPort, wsPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const d = startDaemon([
    '--host', '127.0.0.1', '--port', String(port), '--admin-port', String(adminPort),
    '--server.tls.port', String(tlsPort), '--server.wss.port', String(wssPort), '--server.ws.port', String(wsPort),
  ]);
  daemons.push(d);
  await d.waitFor((l) => l.msg === 'listening');
  return { port, pid: d.child.pid as number, tlsPort, wssPort };
}

const bench = (args: string[]) => runBench(args, BENCH_LIMIT_MS);


const num = (cell: string | undefined): number => Number((cell ?? '').replaceAll(',', ''));

/** Every figure of a row parses; gc columns are '-' since the bench did not start this server. */
function expectFigures(row: Record<string, string>, sent: number, status = '486'): void {
  expect(num(row['sent'])).toBe(sent);
  expect(num(row['answered']) + num(row['lost'])).toBe(sent);
  for (const col of ['achieved/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'gen%', 'srv%', 'other%', 'srv µs/req']) {
    expect(Number.isFinite(num(row[col])), `${col}: ${row[col]}`).toBe(true);
  }
  for (const col of ['p50 ms', 'p90 ms', 'p99 ms', 'max ms']) expect(row[col]).toMatch(/^[\d,]+\.\d\d$/);
  expect(num(row['p50 ms'])).toBeLessThanOrEqual(num(row['p99 ms']));
  expect(row['gc minor n/max ms']).toBe('-');
  expect(row['gc major n/max ms']).toBe('-');
  expect(row['statuses']).toBe(status);
}

describe('npm run bench, about a second against a server on loopback', () => {
  it('prints a closed-loop INVITE row with every column of bench/README.md and exits 0', async () => {
    const s = await server();
    const r = await bench([
      '--target', `127.0.0.1:${s.port}`, '--target-pid', String(s.pid),
      '--scenario', 'invite', '--count', '2000', '--duration', '1', '--no-warmup',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`sip4xx bench — server at 127.0.0.1:${s.port}\n`);
    const t = tableAt(r.stdout, 'scenario');
    expect(t.headers).toEqual(LOAD_COLUMNS);
    expect(t.rows).toHaveLength(1);
    const row = t.rows[0] as Record<string, string>;
    expect(row['scenario']).toBe('invite');
    expect(row['offered/s']).toBe('max (w=32)');
    expectFigures(row, 2000);
    // Closed loop on loopback: a loss would be a real one (the generator never retransmits).
    expect(row['lost']).toBe('0');
    expect(row['note']).toBe('');
  }, 25_000);

  it('prints one row per sweep step, the max sustainable rate, and a FAIL verdict below 20,000/s (exit 1)', async () => {
    const s = await server();
    const r = await bench([
      '--target', `127.0.0.1:${s.port}`, '--target-pid', String(s.pid), '--scenario', 'sweep', '--no-warmup',
      '--sweep-start', '500', '--sweep-step', '500', '--sweep-max', '1000', '--sweep-seconds', '0.5',
    ]);
    expect(r.code, r.stderr).toBe(1);
    const t = tableAt(r.stdout, 'scenario');
    expect(t.headers).toEqual(LOAD_COLUMNS);
    // Whether a step passes is the machine's business; the rows and their figures are the bench's.
    const first = t.rows[0] as Record<string, string>;
    expect([first['scenario'], first['offered/s']]).toEqual(['sweep invite', '500']);
    for (const row of t.rows) {
      expect(row['scenario']).toBe('sweep invite');
      expect(row['note']).toMatch(/^(PASS|FAIL: .+)( \(retry\))?$/);
      expectFigures(row, num(row['offered/s']) / 2);
    }
    expect(r.stdout).toMatch(/\nmax sustainable rate \(INVITE, zero loss, p99 < 5 ms\): ([\d,]+\/s|none)( \(every step passed: raise --sweep-max\))?\n/);
    expect(r.stdout).toMatch(/\nFAIL {2}sustained [\d,]+ req\/s INVITE \(target ≥ 20,000 with zero loss and p99 < 5 ms\)\n$/);
  }, 25_000);

  it.each(['tls', 'wss'] as const)('prints a closed-loop OPTIONS row over %s, every request answered 200, and exits 0', async (kind) => {
    const s = await server();
    const r = await bench([
      '--target', `127.0.0.1:${s.port}`, '--target-pid', String(s.pid), '--tls-port', String(s.tlsPort), '--wss-port', String(s.wssPort),
      '--scenario', kind, '--count', '2000', '--duration', '1', '--no-warmup',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`OPTIONS over ${kind} to 127.0.0.1:${kind === 'tls' ? s.tlsPort : s.wssPort}: 2000 requests, window 32, 1 connection(s)…\n`);
    const t = tableAt(r.stdout, 'scenario');
    expect(t.headers).toEqual(LOAD_COLUMNS);
    expect(t.rows).toHaveLength(1);
    const row = t.rows[0] as Record<string, string>;
    expect(row['scenario']).toBe(`options ${kind}`);
    expect(row['offered/s']).toBe('max (w=32)');
    expectFigures(row, 2000, '200');
    // A reliable transport on loopback: nothing may be lost, nothing stray.
    expect(row['lost']).toBe('0');
    expect(row['note']).toBe('');
  }, 25_000);
});
