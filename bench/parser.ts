/**
 * Parser micro-benchmark: `parseMessage` from `src/sip/parse.ts` on a realistic softphone INVITE
 * with SDP (~ 600 bytes), a REGISTER and an OPTIONS; plus the cost of turning a typical response
 * string into bytes (`Buffer.from(s, 'latin1')`) and, when `src/sip/response.ts` offers a known
 * serializer, of a response serialization.
 *
 * The modules are loaded at run time so that the benchmark still runs (and says what is missing)
 * while they are being written.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ParseLimits, ParseOutcome } from '../src/sip/parse-outcome.js';

type ParseMessage = (data: Buffer, limits: ParseLimits, stream: boolean) => ParseOutcome;

export interface MicroResult {
  readonly name: string;
  readonly bytes: number;
  readonly iterations: number;
  /** Median over the rounds. */
  readonly nsPerOp: number;
  readonly bestNsPerOp: number;
  readonly opsPerSec: number;
  /** For parser cases: the outcome kind (anything but `request` makes the figure meaningless). */
  readonly outcome?: string;
}

export interface ParserBenchResult {
  readonly available: boolean;
  /** Why the parser (or a part) was not measured. */
  readonly notes: readonly string[];
  readonly results: readonly MicroResult[];
}

export interface ParserBenchOptions {
  /** Timed iterations per round at most; default 200,000 (fewer when a round would pass `roundMs`). */
  readonly iterations?: number;
  /** Rounds; the median round is reported (and the best). Default 7. */
  readonly rounds?: number;
  /** Untimed iterations first, at most; default 50,000 (fewer when they would pass `roundMs`). */
  readonly warmup?: number;
  /** Time budget of one round (and of the warm-up), ms; default 300. */
  readonly roundMs?: number;
}

const LIMITS: ParseLimits = { maxRequestUriBytes: 4096, maxBodyBytes: 65536 };

function withBody(head: string[], body: string): Buffer {
  const text = `${head.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`;
  return Buffer.from(text, 'latin1');
}

/** A plain softphone INVITE as it comes off the wire, ~ 600 bytes with its SDP offer. */
export const PLAIN_INVITE = withBody(
  [
    'INVITE sip:alice@127.0.0.1 SIP/2.0',
    'Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-524287-1---f1c9a2b0;rport',
    'Max-Forwards: 70',
    'Contact: <sip:bob@192.168.1.20:5060;transport=UDP>',
    'To: <sip:alice@127.0.0.1>',
    'From: "Bob" <sip:bob@127.0.0.1>;tag=7c2f9e41',
    'Call-ID: YjQ5ZTk3NGRlMDQ4NmJlNGE3N2Q0ZDFlOGUxMDdmZTE',
    'CSeq: 1 INVITE',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY',
    'Content-Type: application/sdp',
    'Supported: replaces, timer',
  ],
  'v=0\r\n' +
    'o=- 1718000000 1 IN IP4 192.168.1.20\r\n' +
    's=Softphone\r\n' +
    'c=IN IP4 192.168.1.20\r\n' +
    't=0 0\r\n' +
    'm=audio 50000 RTP/AVP 0 8 101\r\n' +
    'a=rtpmap:0 PCMU/8000\r\n' +
    'a=rtpmap:8 PCMA/8000\r\n' +
    'a=rtpmap:101 telephone-event/8000\r\n',
);

export const REGISTER = withBody(
  [
    'REGISTER sip:127.0.0.1 SIP/2.0',
    'Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-524287-1---a8f1e2d3c4b5;rport',
    'Max-Forwards: 70',
    'Contact: <sip:bob@192.168.1.20:5060;rinstance=5f3a2b1c0d9e8f7a;transport=UDP>',
    'To: <sip:bob@127.0.0.1>',
    'From: <sip:bob@127.0.0.1>;tag=3e8a1c5d',
    'Call-ID: ZDc4ZjE2YmIxNWQ0YTg2NTk0OGE2NTNhNjM2ZTJjYTk',
    'CSeq: 1 REGISTER',
    'Expires: 3600',
    'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE',
    'Supported: replaces, norefersub, extended-refer, timer, outbound, path',
    'User-Agent: Softphone 5.3.2 (Linux)',
  ],
  '',
);

export const OPTIONS = withBody(
  [
    'OPTIONS sip:nobody@127.0.0.1 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK.k2Jd81nH;rport',
    'Max-Forwards: 70',
    'To: <sip:nobody@127.0.0.1>',
    'From: <sip:monitor@127.0.0.1>;tag=a73kszlfl',
    'Call-ID: 1j9FpLxk3uxtm8tn@127.0.0.1',
    'CSeq: 1 OPTIONS',
    'Accept: application/sdp',
  ],
  '',
);

/** What a server sends back for the INVITE above: the string a response builder produces. */
export const RESPONSE_TEXT =
  'SIP/2.0 486 Busy Here\r\n' +
  'Via: SIP/2.0/UDP 192.168.1.20:5060;branch=z9hG4bK-524287-1---f1c9a2b0;rport=5060;received=127.0.0.1\r\n' +
  'From: "Bob" <sip:bob@127.0.0.1>;tag=7c2f9e41\r\n' +
  'To: <sip:alice@127.0.0.1>;tag=4f8a9c2e1b3d\r\n' +
  'Call-ID: YjQ5ZTk3NGRlMDQ4NmJlNGE3N2Q0ZDFlOGUxMDdmZTE\r\n' +
  'CSeq: 1 INVITE\r\n' +
  'Server: sip4xx\r\n' +
  'Content-Length: 0\r\n\r\n';

let sink = 0;

function timeRounds(
  name: string,
  bytes: number,
  fn: () => unknown,
  o: Required<ParserBenchOptions>,
): MicroResult {
  // Warm up in chunks until the count or the time budget is spent; the pace sets the round size.
  const budgetNs = o.roundMs * 1e6;
  let done = 0;
  const w0 = process.hrtime.bigint();
  let elapsed = 0;
  while (done < o.warmup && elapsed < budgetNs) {
    for (let i = 0; i < 1000; i++) if (fn() !== undefined) sink++;
    done += 1000;
    elapsed = Number(process.hrtime.bigint() - w0);
  }
  const pace = elapsed / Math.max(1, done);
  const iterations = Math.max(1000, Math.min(o.iterations, Math.floor(budgetNs / Math.max(1, pace))));
  const perOp: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) if (fn() !== undefined) sink++;
    const t1 = process.hrtime.bigint();
    perOp.push(Number(t1 - t0) / iterations);
  }
  perOp.sort((a, b) => a - b);
  const median = perOp[Math.floor(perOp.length / 2)] ?? 0;
  return {
    name,
    bytes,
    iterations,
    nsPerOp: median,
    bestNsPerOp: perOp[0] ?? 0,
    opsPerSec: median > 0 ? 1e9 / median : 0,
  };
}

function moduleFile(rel: string): string | undefined {
  for (const ext of ['.ts', '.js']) {
    const p = fileURLToPath(new URL(`${rel}${ext}`, import.meta.url));
    if (existsSync(p)) return p;
  }
  return undefined;
}

async function tryImport(rel: string): Promise<{ mod?: Record<string, unknown>; note?: string }> {
  const file = moduleFile(rel);
  if (file === undefined) return { note: `${rel.replace('../', '')}.ts does not exist yet` };
  try {
    const spec: string = new URL(`${rel}.js`, import.meta.url).href;
    const mod = (await import(spec)) as Record<string, unknown>;
    return { mod };
  } catch (err) {
    return { note: `${rel.replace('../', '')}.ts failed to load: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * A response serializer from `src/sip/response.ts`, adapted to "bytes for a 486 to PLAIN_INVITE",
 * or a note saying why none could be used. Known shape: `buildResponse(basis, spec, ctx) → Buffer`
 * (spec `{ status }`, ctx `{ toTag, server, remote }`). Extend here when the module's API changes.
 */
function findSerializer(
  mod: Record<string, unknown>,
  outcome: ParseOutcome,
): { run?: () => unknown; note?: string } {
  if (outcome.kind !== 'request') return { note: 'response serialization skipped: the INVITE did not parse' };
  const basis = outcome.basis;
  const fn = mod['buildResponse'];
  const names = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
  if (typeof fn !== 'function') {
    return { note: `response serialization skipped: no buildResponse among exports [${names.join(', ')}]` };
  }
  const call = fn as (...args: unknown[]) => unknown;
  const spec = { status: 486 };
  const ctx = { toTag: '4f8a9c2e1b3d', server: 'sip4xx', remote: { address: '192.168.1.20', port: 5060, family: 'IPv4' } };
  try {
    const probe = call(basis, spec, ctx);
    if (!Buffer.isBuffer(probe) && typeof probe !== 'string') {
      return { note: 'response serialization skipped: buildResponse(basis, spec, ctx) returned neither Buffer nor string' };
    }
  } catch (err) {
    return { note: `response serialization skipped: buildResponse threw ${err instanceof Error ? err.message : String(err)}` };
  }
  return { run: () => call(basis, spec, ctx) };
}

export async function runParserBench(options: ParserBenchOptions = {}): Promise<ParserBenchResult> {
  const o: Required<ParserBenchOptions> = {
    iterations: options.iterations ?? 200_000,
    rounds: options.rounds ?? 7,
    warmup: options.warmup ?? 50_000,
    roundMs: options.roundMs ?? 300,
  };
  const notes: string[] = [];
  const results: MicroResult[] = [];

  const parse = await tryImport('../src/sip/parse');
  const parseMessage = parse.mod?.['parseMessage'];
  if (typeof parseMessage !== 'function') {
    notes.push(parse.note ?? 'src/sip/parse.ts does not export a function parseMessage');
  } else {
    const fn = parseMessage as ParseMessage;
    const cases: [string, Buffer][] = [
      ['parse INVITE+SDP', PLAIN_INVITE],
      ['parse REGISTER', REGISTER],
      ['parse OPTIONS', OPTIONS],
    ];
    for (const [name, buf] of cases) {
      let outcome: ParseOutcome;
      try {
        outcome = fn(buf, LIMITS, false);
      } catch (err) {
        notes.push(`${name}: parseMessage threw: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      const r = timeRounds(name, buf.length, () => fn(buf, LIMITS, false), o);
      results.push({ ...r, outcome: outcome.kind === 'reject' ? `reject ${outcome.status}` : outcome.kind });
      if (outcome.kind !== 'request') {
        notes.push(`${name}: outcome was ${outcome.kind}, not request — the figure is not representative`);
      }
    }
  }

  results.push(
    timeRounds('Buffer.from(response, latin1)', RESPONSE_TEXT.length, () => Buffer.from(RESPONSE_TEXT, 'latin1'), o),
  );

  if (typeof parseMessage === 'function') {
    const resp = await tryImport('../src/sip/response');
    if (resp.mod === undefined) {
      notes.push(`response serialization skipped: ${resp.note ?? 'module missing'}`);
    } else {
      const outcome = (parseMessage as ParseMessage)(PLAIN_INVITE, LIMITS, false);
      const ser = findSerializer(resp.mod, outcome);
      if (ser.run === undefined) notes.push(ser.note ?? 'response serialization skipped');
      else {
        const probe = ser.run();
        const bytes = Buffer.isBuffer(probe) ? probe.length : String(probe).length;
        results.push(timeRounds('buildResponse 486', bytes, ser.run, o));
      }
    }
  } else {
    notes.push('response serialization skipped: needs the parser for its input');
  }

  if (sink < 0) console.log(sink); // keeps the work observable
  return { available: typeof parseMessage === 'function', notes, results };
}
