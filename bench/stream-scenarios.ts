/**
 * The `tls` and `wss` rows of `npm run bench` (bench/README.md): closed-loop OPTIONS → 200 over the
 * server's TLS and WSS listeners (bench/stream-load.ts), with the CPU and GC columns of the UDP rows.
 */
import type { Args } from './args.js';
import { CpuMeter } from './cpu.js';
import { gcDuring } from './gc-report.js';
import type { Row } from './measure.js';
import type { Outcome } from './outcome.js';
import { progress, sleep } from './output.js';
import { runStreamLoad, type StreamKind } from './stream-load.js';
import type { SweepTarget } from './sweep.js';

/** The load target with its TLS and WSS ports, when the bench knows them. */
export interface StreamTarget extends SweepTarget {
  readonly tlsPort?: number | undefined;
  readonly wssPort?: number | undefined;
}

const KINDS: readonly StreamKind[] = ['tls', 'wss'];
/** OPTIONS to `sip:<host>` with no user: the server answers it itself (README, "Point a client at it"). */
const EXPECTED = '200';

async function streamRow(a: Args, t: StreamTarget, kind: StreamKind, port: number): Promise<Row> {
  const opts = {
    kind,
    host: t.host,
    port,
    window: a.window,
    connections: a.sockets,
    timeoutMs: a.timeoutMs,
  };
  // Unreported: the first few thousand requests pay for V8's compilation of the TLS / WS paths.
  if (a.warmup) await runStreamLoad({ ...opts, count: 2000, durationLimitMs: 2000 });
  progress(`OPTIONS over ${kind} to ${t.host}:${port}: ${a.count} requests, window ${a.window}, ${a.sockets} connection(s)…`);
  const meter = new CpuMeter(t.pid);
  const startMs = Date.now();
  const result = await runStreamLoad({ ...opts, count: a.count, durationLimitMs: a.durationS * 1000 });
  const endMs = Date.now();
  const m = { result, cpu: meter.stop(), startMs, endMs };
  await sleep(300);
  const odd = Object.keys(result.statuses).some((s) => s !== EXPECTED);
  return { scenario: `options ${kind}`, ...m, gc: await gcDuring(t.gcFile, m), ...(odd ? { verdict: `expected ${EXPECTED}` } : {}) };
}

/** The rows `--scenario` asks for; none against the reflector (UDP only). */
export async function streamScenarios(a: Args, t: StreamTarget, o: Outcome): Promise<Row[]> {
  const rows: Row[] = [];
  if (a.reflector) return rows;
  for (const kind of KINDS) {
    if (a.scenario !== 'all' && a.scenario !== kind) continue;
    const port = kind === 'tls' ? t.tlsPort : t.wssPort;
    if (port === undefined) {
      if (a.scenario === kind) throw new Error(`--scenario ${kind} with --target needs --${kind}-port`);
      progress(`${kind}: no port known (--${kind}-port with --target), row skipped`);
      continue;
    }
    const row = await streamRow(a, t, kind, port);
    if (row.result.lost > 0 || row.verdict !== undefined) o.failed = true;
    rows.push(row);
  }
  if (rows.length > 0) o.report['streams'] = rows.map((r) => ({ scenario: r.scenario, cpu: r.cpu, gc: r.gc ?? null, ...r.result }));
  return rows;
}
