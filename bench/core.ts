/**
 * The hot path in one process, without sockets: `createCore().handle()` (parse → transactions →
 * rule pipeline → serialize) on what the UDP load generator sends — a unique INVITE to
 * `sip:486@…` and then the ACK of its 486, or a unique OPTIONS — with the real system clock, so
 * the transactions' timers and tables cost what they cost in the server. The flow's `send` only
 * counts. What this leaves out is the kernel and `dgram` (receive, the source address, send),
 * which the load benchmark adds back.
 *
 * Standalone: `npx tsx bench/core.ts [--json]`.
 */
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../src/config/load.js';
import { createCore } from '../src/core/sip-core.js';
import { makeTagger } from '../src/sip/to-tag.js';
import type { Endpoint, Flow } from '../src/transport/flow.js';
import { ackOf, buildTemplate, requestOf } from './sip-template.js';

export interface CoreBenchRow {
  readonly name: string;
  /** Request pairs (INVITE+ACK) or requests handled per round. */
  readonly iterations: number;
  /** Median over the rounds, µs per INVITE+ACK pair or per request. */
  readonly usPerOp: number;
  readonly bestUsPerOp: number;
  /** Responses sent per op (1 for INVITE+ACK: the 486; the ACK gets none). */
  readonly sentPerOp: number;
}

const TAG_KEY = Buffer.alloc(16, 0x5e);
const MARKER = 'core-';
const LOCAL = { host: '127.0.0.1', port: 40000 };

export async function runCoreBench(opts: { rounds?: number; iterations?: number } = {}): Promise<CoreBenchRow[]> {
  const rounds = opts.rounds ?? 5;
  const iterations = opts.iterations ?? 20_000;
  // The config the load benchmark's server runs with (embedded defaults), the log level it uses.
  const config = loadConfig({ overrides: { server: { host: '127.0.0.1', port: 5060 } } });
  const logger = pino({ level: 'warn' });
  const identities = new Set(['127.0.0.1']);
  const core = createCore({ config: () => config, logger, identities: () => identities, tagKey: TAG_KEY });
  const tagger = makeTagger(TAG_KEY);
  const remote: Endpoint = { address: LOCAL.host, port: LOCAL.port, family: 'IPv4' };
  let sent = 0;
  const flow: Flow = {
    transport: 'udp',
    remote,
    local: { address: '127.0.0.1', port: 5060, family: 'IPv4' },
    send() {
      sent++;
    },
    close() {},
  };
  // The generator's own requests (bench/load.ts), a unique Call-ID/branch/tag per request.
  const invite = buildTemplate('INVITE', 'sip:486@127.0.0.1', MARKER, LOCAL.host, LOCAL.port);
  const options = buildTemplate('OPTIONS', 'sip:nobody@127.0.0.1', MARKER, LOCAL.host, LOCAL.port);
  let next = 0;

  const rows: CoreBenchRow[] = [];
  for (const kind of ['INVITE+ACK', 'OPTIONS'] as const) {
    const times: number[] = [];
    let sentPerOp = 0;
    for (let r = -1; r < rounds; r++) {
      // Messages are built before the clock starts: the generator's work is not the server's.
      const requests: Buffer[] = [];
      const acks: Buffer[] = [];
      for (let i = 0; i < iterations; i++) {
        const seq = next++;
        requests.push(requestOf(kind === 'OPTIONS' ? options : invite, seq));
        if (kind === 'OPTIONS') continue;
        // The ACK of each 486 carries its To tag, which the tagger derives from the request's
        // Call-ID, From, branch and CSeq number as buildTemplate writes them (the key is fixed
        // here), so every message is built before the clock starts. The ACK matches its
        // transaction by branch (§17.2.3) whatever the tag.
        const id = `${MARKER}${String(seq).padStart(10, '0')}`;
        const tag = tagger(LOCAL.host, `${id}@${LOCAL.host}`, `"sip4xx bench" <sip:bench@${LOCAL.host}>;tag=${id}`, `z9hG4bK${id}`, '1');
        const to = Buffer.from(`<sip:486@127.0.0.1>;tag=${tag}`, 'latin1');
        acks.push(ackOf(invite, seq, to, 0, to.length));
      }
      const sentBefore = sent;
      const t0 = process.hrtime.bigint();
      if (kind === 'INVITE+ACK') {
        for (let i = 0; i < iterations; i++) {
          core.handle(requests[i] as Buffer, flow);
          core.handle(acks[i] as Buffer, flow);
        }
      } else {
        for (let i = 0; i < iterations; i++) core.handle(requests[i] as Buffer, flow);
      }
      const ns = Number(process.hrtime.bigint() - t0);
      sentPerOp = (sent - sentBefore) / iterations;
      if (r >= 0) times.push(ns / iterations / 1000);
      // Let the timers of this round's transactions run as they would in the server.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const net = times.sort((a, b) => a - b);
    rows.push({
      name: kind === 'OPTIONS' ? 'core OPTIONS → 404' : 'core INVITE → 486, ACK',
      iterations,
      usPerOp: net[Math.floor(net.length / 2)] as number,
      bestUsPerOp: net[0] as number,
      sentPerOp,
    });
  }
  core.close();
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runCoreBench();
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
  else for (const r of rows) console.log(`${r.name.padEnd(28)} ${r.usPerOp.toFixed(2).padStart(7)} µs/op (best ${r.bestUsPerOp.toFixed(2)}), ${r.sentPerOp} sent/op`);
  process.exit(0);
}
