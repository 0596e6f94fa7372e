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

const SEQ_DIGITS = 10;
const TAG_SALT = 0x5eed;

function message(method: 'INVITE' | 'OPTIONS' | 'ACK', seq: string, toTag: string): Buffer {
  const sdp =
    'v=0\r\no=bench 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n' +
    'm=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n';
  const uri = method === 'OPTIONS' ? 'sip:nobody@127.0.0.1' : 'sip:486@127.0.0.1';
  const lines = [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKbench${seq};rport`,
    'Max-Forwards: 70',
    `From: "sip4xx bench" <sip:bench@127.0.0.1>;tag=bench${seq}`,
    `To: <${uri}>${toTag === '' ? '' : `;tag=${toTag}`}`,
    `Call-ID: bench${seq}@127.0.0.1`,
    `CSeq: 1 ${method}`,
  ];
  let body = '';
  if (method === 'INVITE') {
    lines.push(
      'Contact: <sip:bench@127.0.0.1:40000;transport=udp>',
      'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, REFER, UPDATE',
      'Supported: replaces, timer',
      'User-Agent: sip4xx-bench/1.0',
      'Content-Type: application/sdp',
    );
    body = sdp;
  } else if (method === 'OPTIONS') {
    lines.push('Contact: <sip:bench@127.0.0.1:40000;transport=udp>', 'Accept: application/sdp', 'User-Agent: sip4xx-bench/1.0');
  }
  lines.push(`Content-Length: ${body.length}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'latin1');
}

export async function runCoreBench(opts: { rounds?: number; iterations?: number } = {}): Promise<CoreBenchRow[]> {
  const rounds = opts.rounds ?? 5;
  const iterations = opts.iterations ?? 20_000;
  // The config the load benchmark's server runs with (embedded defaults), the log level it uses.
  const config = loadConfig({ overrides: { server: { host: '127.0.0.1', port: 5060 } } });
  const logger = pino({ level: 'warn' });
  const identities = new Set(['127.0.0.1']);
  const core = createCore({ config: () => config, logger, identities: () => identities, tagSalt: TAG_SALT });
  const tagger = makeTagger(TAG_SALT);
  const remote: Endpoint = { address: '127.0.0.1', port: 40000, family: 'IPv4' };
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
  // Prebuilt messages with a unique Call-ID/branch/tag per request, as the generator sends them.
  let next = 0;
  const seq = () => String(next++).padStart(SEQ_DIGITS, '0');

  const rows: CoreBenchRow[] = [];
  for (const kind of ['INVITE+ACK', 'OPTIONS'] as const) {
    const times: number[] = [];
    let sentPerOp = 0;
    for (let r = -1; r < rounds; r++) {
      // Messages are built before the clock starts: the generator's work is not the server's.
      const invites: Buffer[] = [];
      const seqs: string[] = [];
      for (let i = 0; i < iterations; i++) {
        const s = seq();
        seqs.push(s);
        invites.push(message(kind === 'OPTIONS' ? 'OPTIONS' : 'INVITE', s, ''));
      }
      // The ACK of each 486 carries its To tag, which the tagger derives from the request (the
      // salt is fixed here), so every message is built before the clock starts.
      const acks: Buffer[] = [];
      if (kind === 'INVITE+ACK') {
        for (const s of seqs) acks.push(message('ACK', s, tagger(`bench${s}@127.0.0.1`, `"sip4xx bench" <sip:bench@127.0.0.1>;tag=bench${s}`, `z9hG4bKbench${s}`, '1')));
      }
      const sentBefore = sent;
      const t0 = process.hrtime.bigint();
      if (kind === 'INVITE+ACK') {
        for (let i = 0; i < iterations; i++) {
          core.handle(invites[i] as Buffer, flow);
          core.handle(acks[i] as Buffer, flow);
        }
      } else {
        for (let i = 0; i < iterations; i++) core.handle(invites[i] as Buffer, flow);
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
