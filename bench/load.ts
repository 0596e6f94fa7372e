/**
 * A SIP-over-UDP load generator for loopback benchmarks.
 *
 * - Every request gets a unique Call-ID, From-tag and Via branch; all three carry the request's
 *   sequence number as 10 fixed-width digits after a per-run marker, so a response is matched by one
 *   `Buffer.indexOf` of the marker (whichever of them comes first) and 10 digit reads.
 * - Messages come from a per-socket template `Buffer`: a send is one pool allocation, one copy and
 *   the digits written in place — the generator must not be the bottleneck (calibrate it against
 *   `bench/reflector.ts`).
 * - At most `window` requests are outstanding; with `rate` a token bucket paces the sends.
 * - Bounded by `count` and by `durationLimitMs` (no new sends after it); a request with no final
 *   response within `timeoutMs` is lost. The generator never retransmits: on loopback a missing
 *   answer is a real loss.
 * - INVITE: every final non-2xx response, retransmissions included, is ACKed as §17.1.1.3 says (same
 *   Request-URI, Call-ID, From, CSeq number, the INVITE's top Via with its branch, and the response's
 *   To with its tag).
 * - 1xx responses do not stop the latency clock; they are counted, with their own latency figures.
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

export type LoadMethod = 'INVITE' | 'OPTIONS';

export interface LoadOptions {
  /** Loopback only: 127.0.0.0/8, ::1 or localhost. */
  readonly host: string;
  readonly port: number;
  readonly method: LoadMethod;
  /** e.g. `sip:486@127.0.0.1`. */
  readonly requestUri: string;
  /** Requests to send at most. */
  readonly count: number;
  /** Target requests/s; 0 or absent: as fast as the window allows (closed loop). */
  readonly rate?: number;
  /** Outstanding requests (sent, no final response, not yet timed out) at most. */
  readonly window: number;
  /** A request without a final response after this long is lost. */
  readonly timeoutMs: number;
  /** No new request is sent after this long; the run then waits at most `timeoutMs` for answers. */
  readonly durationLimitMs: number;
  /** UDP sockets (source ports) used round-robin; default 1. */
  readonly socketsCount?: number;
  /** `connect()` the sockets to the target (faster sends; a reply from another address is dropped). Default true. */
  readonly connect?: boolean;
}

export interface LatencySummary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface LoadResult {
  readonly method: LoadMethod;
  readonly requestUri: string;
  readonly target: string;
  /** The `rate` asked for; 0 means closed loop (window-limited). */
  readonly offeredRate: number;
  readonly window: number;
  readonly socketsCount: number;
  readonly sent: number;
  /** Requests that got a final (≥ 200) response within `timeoutMs`. */
  readonly answered: number;
  /** Requests with no final response within `timeoutMs`. */
  readonly lost: number;
  /** Final responses that arrived after their request had been counted lost. */
  readonly late: number;
  /** Further copies of a final response already counted (server retransmissions). */
  readonly duplicateFinals: number;
  /** 1xx responses received (all copies). */
  readonly provisional: number;
  /** Responses that match no request of this run, or are not SIP responses. */
  readonly stray: number;
  /** ACKs sent (INVITE only; one per final non-2xx, retransmissions included). */
  readonly acksSent: number;
  /** Requests retransmitted: always 0, the generator never retransmits. */
  readonly retransmissions: 0;
  /** Socket errors (e.g. ECONNREFUSED when nothing listens). */
  readonly socketErrors: number;
  /** First send to last final response, ms. */
  readonly durationMs: number;
  /** First send to last send, ms. */
  readonly sendDurationMs: number;
  /** answered / durationMs, per second. */
  readonly rps: number;
  /** sent / sendDurationMs, per second: what was actually offered. */
  readonly sendRate: number;
  /** Send → first final response, ms. */
  readonly latencyMs: LatencySummary;
  /** Send → first 1xx, ms (count 0 if none came). */
  readonly provisionalLatencyMs: LatencySummary;
  /** Final status code → count (first copy of each final only). */
  readonly statuses: Readonly<Record<string, number>>;
  readonly stoppedBy: 'count' | 'duration' | 'guard';
}

const PENDING = 0;
const ANSWERED = 1;
const LOST = 2;

const SEQ_DIGITS = 10;
const SEQ_PLACEHOLDER = '#'.repeat(SEQ_DIGITS);

/** Whether `host` is a loopback address or name; the generator refuses anything else. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** A realistic softphone SDP offer (~ 250 bytes). */
const SDP =
  'v=0\r\n' +
  'o=bench 2890844526 2890844526 IN IP4 127.0.0.1\r\n' +
  's=-\r\n' +
  'c=IN IP4 127.0.0.1\r\n' +
  't=0 0\r\n' +
  'm=audio 49170 RTP/AVP 0 8 9 101\r\n' +
  'a=rtpmap:0 PCMU/8000\r\n' +
  'a=rtpmap:8 PCMA/8000\r\n' +
  'a=rtpmap:9 G722/8000\r\n' +
  'a=rtpmap:101 telephone-event/8000\r\n' +
  'a=fmtp:101 0-16\r\n' +
  'a=ptime:20\r\n' +
  'a=sendrecv\r\n';

/** A request the generator sends, with sequence-number placeholders, and the halves of its ACK. */
export interface Template {
  readonly buf: Buffer;
  /** Offsets of the 10-digit sequence placeholders in `buf`. */
  readonly seqOffsets: readonly number[];
  /** The ACK (§17.1.1.3) before and after its To value, as bytes with sequence placeholders. */
  readonly ackHead: Buffer;
  readonly ackHeadSeqOffsets: readonly number[];
  readonly ackTail: Buffer;
  readonly ackTailSeqOffsets: readonly number[];
}

function hostForUri(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The request the generator sends for `method` to `requestUri` from localHost:localPort: Call-ID,
 * From tag and branch are `marker` followed by a 10-digit sequence number (`requestOf`).
 */
export function buildTemplate(
  method: LoadMethod,
  requestUri: string,
  marker: string,
  localHost: string,
  localPort: number,
): Template {
  const h = hostForUri(localHost);
  const uriNoScheme = requestUri.replace(/^sips?:/i, '');
  const toUri = `sip:${uriNoScheme}`;
  const viaLine = `Via: SIP/2.0/UDP ${h}:${localPort};branch=z9hG4bK${marker}${SEQ_PLACEHOLDER};rport`;
  const fromLine = `From: "sip4xx bench" <sip:bench@${h}>;tag=${marker}${SEQ_PLACEHOLDER}`;
  const callIdLine = `Call-ID: ${marker}${SEQ_PLACEHOLDER}@${h}`;
  const lines = [
    `${method} ${requestUri} SIP/2.0`,
    viaLine,
    'Max-Forwards: 70',
    fromLine,
    `To: <${toUri}>`,
    callIdLine,
    `CSeq: 1 ${method}`,
    `Contact: <sip:bench@${h}:${localPort};transport=udp>`,
  ];
  let body = '';
  if (method === 'INVITE') {
    lines.push(
      'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, REFER, UPDATE',
      'Supported: replaces, timer',
      'User-Agent: sip4xx-bench/1.0',
      'Content-Type: application/sdp',
    );
    body = SDP;
  } else {
    lines.push('Accept: application/sdp', 'User-Agent: sip4xx-bench/1.0');
  }
  lines.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  const text = `${lines.join('\r\n')}\r\n\r\n${body}`;
  const buf = Buffer.from(text, 'latin1');
  const ackHead = Buffer.from(`ACK ${requestUri} SIP/2.0\r\n${viaLine}\r\nMax-Forwards: 70\r\n${fromLine}\r\nTo: `, 'latin1');
  const ackTail = Buffer.from(`\r\n${callIdLine}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`, 'latin1');
  return {
    buf,
    seqOffsets: placeholders(buf),
    ackHead,
    ackHeadSeqOffsets: placeholders(ackHead),
    ackTail,
    ackTailSeqOffsets: placeholders(ackTail),
  };
}

const PLACEHOLDER_BYTES = Buffer.from(SEQ_PLACEHOLDER, 'latin1');

function placeholders(buf: Buffer): number[] {
  const out: number[] = [];
  for (let at = buf.indexOf(PLACEHOLDER_BYTES); at >= 0; at = buf.indexOf(PLACEHOLDER_BYTES, at + SEQ_DIGITS)) out.push(at);
  return out;
}

function writeSeq(buf: Buffer, offset: number, n: number): void {
  for (let i = offset + SEQ_DIGITS - 1; i >= offset; i--) {
    buf[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
}

/** Request number `seq` of a template, as fresh bytes. */
export function requestOf(t: Template, seq: number): Buffer {
  const buf = Buffer.allocUnsafe(t.buf.length);
  t.buf.copy(buf);
  for (const off of t.seqOffsets) writeSeq(buf, off, seq);
  return buf;
}

/** The ACK (§17.1.1.3) of request `seq` for a final response whose To value is src[start, end). */
export function ackOf(t: Template, seq: number, src: Buffer, start: number, end: number): Buffer {
  const ack = Buffer.allocUnsafe(t.ackHead.length + (end - start) + t.ackTail.length);
  t.ackHead.copy(ack, 0);
  for (const off of t.ackHeadSeqOffsets) writeSeq(ack, off, seq);
  src.copy(ack, t.ackHead.length, start, end);
  const tailAt = t.ackHead.length + (end - start);
  t.ackTail.copy(ack, tailAt);
  for (const off of t.ackTailSeqOffsets) writeSeq(ack, tailAt + off, seq);
  return ack;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

export function summarize(samples: Float64Array): LatencySummary {
  const n = samples.length;
  if (n === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] ?? 0;
  return {
    count: n,
    min: sorted[0] ?? 0,
    mean: sum / n,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted[n - 1] ?? 0,
  };
}

const TO_LINE = /\r\n(?:to|t)[ \t]*:[ \t]*([^\r\n]*)/i;
/** How sip4xx writes To; anything else takes the TO_LINE path. */
const TO_FAST = Buffer.from('\r\nTo: ', 'latin1');
const CRLF_BYTES = Buffer.from('\r\n', 'latin1');

function validate(o: LoadOptions): void {
  if (!isLoopback(o.host)) throw new Error(`refusing non-loopback target ${o.host}`);
  if (!Number.isInteger(o.port) || o.port <= 0 || o.port > 65535) throw new Error(`bad port ${o.port}`);
  if (!Number.isInteger(o.count) || o.count <= 0 || o.count > 50_000_000) throw new Error(`bad count ${o.count}`);
  if (!Number.isInteger(o.window) || o.window <= 0 || o.window > 100_000) throw new Error(`bad window ${o.window}`);
  if (!(o.timeoutMs > 0 && o.timeoutMs <= 60_000)) throw new Error(`bad timeoutMs ${o.timeoutMs}`);
  if (!(o.durationLimitMs > 0 && o.durationLimitMs <= 600_000)) {
    throw new Error(`bad durationLimitMs ${o.durationLimitMs}`);
  }
  if (o.rate !== undefined && !(o.rate >= 0 && o.rate <= 10_000_000)) throw new Error(`bad rate ${o.rate}`);
  const s = o.socketsCount ?? 1;
  if (!Number.isInteger(s) || s < 1 || s > 64) throw new Error(`bad socketsCount ${s}`);
}

async function openSocket(family: 'udp4' | 'udp6', localHost: string): Promise<dgram.Socket> {
  const sock = dgram.createSocket({ type: family, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, localHost, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  return sock;
}

async function connectSocket(sock: dgram.Socket, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.connect(port, host, () => {
      sock.off('error', reject);
      resolve();
    });
  });
}

/** Run one load: resolves when every request is answered or timed out, or the guard fires. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  validate(opts);
  const host = opts.host === 'localhost' ? '127.0.0.1' : opts.host.replace(/^\[|\]$/g, '');
  const v6 = host.includes(':');
  const localHost = v6 ? '::1' : '127.0.0.1';
  const socketsCount = opts.socketsCount ?? 1;
  const rate = opts.rate ?? 0;
  const count = opts.count;
  const windowSize = opts.window;
  const connected = opts.connect ?? true;
  const isInvite = opts.method === 'INVITE';

  const marker = `b${randomBytes(4).toString('hex')}-`;
  const markerBuf = Buffer.from(marker, 'latin1');

  const sockets: dgram.Socket[] = [];
  const templates: Template[] = [];
  try {
    for (let i = 0; i < socketsCount; i++) {
      const s = await openSocket(v6 ? 'udp6' : 'udp4', localHost);
      sockets.push(s);
      if (connected) await connectSocket(s, opts.port, host);
      templates.push(buildTemplate(opts.method, opts.requestUri, marker, localHost, s.address().port));
    }
  } catch (err) {
    for (const s of sockets) s.close();
    throw err;
  }

  const sendTime = new Float64Array(count);
  const state = new Uint8Array(count);
  const gotProvisional = new Uint8Array(count);
  const latencies = new Float64Array(count);
  const provLatencies = new Float64Array(count);
  const statusCounts = new Uint32Array(700);

  let sent = 0;
  let answered = 0;
  let lost = 0;
  let late = 0;
  let duplicateFinals = 0;
  let provisional = 0;
  let provCount = 0;
  let stray = 0;
  let acksSent = 0;
  let socketErrors = 0;
  let oldest = 0; // every request below this index is answered or lost
  let stopSending = false;
  let stoppedBy: LoadResult['stoppedBy'] = 'count';
  let firstSend = 0;
  let lastSend = 0;
  let lastFinal = 0;
  let nextSocket = 0;

  // Token bucket (rate > 0): refilled from the clock on every pump, at most `burst` tokens banked.
  let tokens = 1;
  let lastRefill = 0;
  const burst = Math.max(1, rate / 200); // 5 ms worth

  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let finished = false;

  const send = (sock: dgram.Socket, buf: Buffer): void => {
    if (connected) sock.send(buf);
    else sock.send(buf, opts.port, host);
  };

  const sendOne = (now: number): void => {
    const seq = sent++;
    const idx = nextSocket;
    nextSocket = nextSocket + 1 === socketsCount ? 0 : nextSocket + 1;
    const buf = requestOf(templates[idx] as Template, seq);
    sendTime[seq] = now;
    lastSend = now;
    send(sockets[idx] as dgram.Socket, buf);
  };

  const checkDone = (): void => {
    if (finished) return;
    if ((sent >= count || stopSending) && sent - answered - lost === 0) {
      finished = true;
      finish();
    }
  };

  const pump = (): void => {
    if (stopSending) return;
    let now = performance.now();
    if (firstSend === 0) {
      firstSend = now;
      lastRefill = now;
    }
    if (now - firstSend >= opts.durationLimitMs) {
      stopSending = true;
      stoppedBy = 'duration';
      return;
    }
    if (rate > 0) {
      tokens = Math.min(burst, tokens + ((now - lastRefill) * rate) / 1000);
      lastRefill = now;
    }
    let batch = 0;
    while (sent < count && sent - answered - lost < windowSize) {
      if (rate > 0) {
        if (tokens < 1) break;
        tokens -= 1;
      }
      sendOne(now);
      // Refresh the clock now and then inside a long burst so send times stay honest.
      if (++batch === 32) {
        batch = 0;
        now = performance.now();
      }
    }
  };

  const sendAck = (sock: dgram.Socket, t: Template, seq: number, response: Buffer): void => {
    // The To value is copied from the response's bytes into one buffer with the rest of the ACK:
    // the generator's own garbage (a string of the whole response, the ACK as text) showed up as
    // its own GC pauses, which the latency figures include.
    let toStart = response.indexOf(TO_FAST);
    let toEnd = -1;
    let toBytes: Buffer | undefined;
    if (toStart >= 0) {
      toStart += TO_FAST.length;
      toEnd = response.indexOf(CRLF_BYTES, toStart);
    }
    if (toEnd < 0) {
      const m = TO_LINE.exec(response.toString('latin1'));
      if (m === null) return; // no To: cannot build a matching ACK
      toBytes = Buffer.from(m[1] ?? '', 'latin1');
    }
    const ack = toBytes === undefined ? ackOf(t, seq, response, toStart, toEnd) : ackOf(t, seq, toBytes, 0, toBytes.length);
    acksSent++;
    send(sock, ack);
  };

  const onMessage = (sockIdx: number, msg: Buffer): void => {
    const now = performance.now();
    // "SIP/2.0 NNN"
    if (msg.length < 12 || msg[0] !== 0x53 || msg[1] !== 0x49 || msg[2] !== 0x50 || msg[7] !== 0x20) {
      stray++;
      return;
    }
    const c0 = (msg[8] ?? 0) - 48;
    const c1 = (msg[9] ?? 0) - 48;
    const c2 = (msg[10] ?? 0) - 48;
    const at = msg.indexOf(markerBuf, 12);
    if (c0 < 1 || c0 > 6 || c1 < 0 || c1 > 9 || c2 < 0 || c2 > 9 || at < 0 || at + markerBuf.length + SEQ_DIGITS > msg.length) {
      stray++;
      return;
    }
    let seq = 0;
    for (let i = at + markerBuf.length, end = i + SEQ_DIGITS; i < end; i++) {
      const d = (msg[i] ?? 0) - 48;
      if (d < 0 || d > 9) {
        stray++;
        return;
      }
      seq = seq * 10 + d;
    }
    if (seq >= sent) {
      stray++;
      return;
    }
    const code = c0 * 100 + c1 * 10 + c2;
    if (code < 200) {
      provisional++;
      if (gotProvisional[seq] === 0 && state[seq] === PENDING) {
        gotProvisional[seq] = 1;
        provLatencies[provCount++] = now - (sendTime[seq] ?? now);
      }
      return;
    }
    const st = state[seq];
    if (st === PENDING) {
      state[seq] = ANSWERED;
      latencies[answered++] = now - (sendTime[seq] ?? now);
      statusCounts[code] = (statusCounts[code] ?? 0) + 1;
      lastFinal = now;
    } else if (st === ANSWERED) {
      duplicateFinals++;
    } else {
      late++;
    }
    // §17.1.1.3: every final non-2xx to an INVITE is ACKed, retransmissions too (§17.1.1.2).
    if (isInvite && code >= 300) sendAck(sockets[sockIdx] as dgram.Socket, templates[sockIdx] as Template, seq, msg);
    pump();
    checkDone();
  };

  sockets.forEach((s, i) => {
    s.on('message', (msg) => onMessage(i, msg));
    s.on('error', () => {
      socketErrors++;
    });
  });

  // Housekeeping every few ms: pacing refill, timeouts, the duration limit.
  const sweepTimeouts = (): void => {
    const now = performance.now();
    while (oldest < sent) {
      const st = state[oldest];
      if (st === PENDING) {
        if (now - (sendTime[oldest] ?? now) < opts.timeoutMs) break;
        state[oldest] = LOST;
        lost++;
      }
      oldest++;
    }
  };
  const tick = setInterval(
    () => {
      sweepTimeouts();
      pump();
      checkDone();
    },
    rate > 0 ? 1 : 5,
  );
  const guard = setTimeout(() => {
    stoppedBy = 'guard';
    stopSending = true;
    sweepTimeouts();
    finished = true;
    finish();
  }, opts.durationLimitMs + opts.timeoutMs + 5_000);

  pump();
  await done;
  clearInterval(tick);
  clearTimeout(guard);
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));

  // Anything still pending (guard fired) counts as lost.
  for (let i = oldest; i < sent; i++) if (state[i] === PENDING) lost++;

  const statuses: Record<string, number> = {};
  statusCounts.forEach((n, code) => {
    if (n > 0) statuses[String(code)] = n;
  });
  const durationMs = answered > 0 ? lastFinal - firstSend : 0;
  const sendDurationMs = sent > 1 ? lastSend - firstSend : 0;
  return {
    method: opts.method,
    requestUri: opts.requestUri,
    target: `${hostForUri(host)}:${opts.port}`,
    offeredRate: rate,
    window: windowSize,
    socketsCount,
    sent,
    answered,
    lost,
    late,
    duplicateFinals,
    provisional,
    stray,
    acksSent,
    retransmissions: 0,
    socketErrors,
    durationMs,
    sendDurationMs,
    rps: durationMs > 0 ? (answered * 1000) / durationMs : 0,
    sendRate: sendDurationMs > 0 ? ((sent - 1) * 1000) / sendDurationMs : 0,
    latencyMs: summarize(latencies.subarray(0, answered)),
    provisionalLatencyMs: summarize(provLatencies.subarray(0, provCount)),
    statuses,
    stoppedBy,
  };
}
