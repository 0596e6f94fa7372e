/**
 * A closed-loop OPTIONS generator over TLS (RFC 3261 §26, framed by Content-Length as §18.3 says
 * for a stream) and over secure WebSocket (RFC 7118: subprotocol "sip", one SIP message per
 * WebSocket message, §5.1; Via transport WSS, §5.2), for the `tls` and `wss` rows of
 * `npm run bench` (bench/README.md). OPTIONS to `sip:<host>` (no user) is answered 200.
 *
 * - A few long-lived connections, opened before the clock starts (handshakes are not timed);
 *   requests go round-robin over those still open; at most `window` are outstanding.
 * - Each request has a unique Call-ID, From tag and branch carrying a per-run marker and a 10-digit
 *   sequence number; a response is matched by one `indexOf` of the marker.
 * - Bounded by `count` and `durationLimitMs`; a request with no final response within `timeoutMs`
 *   is lost; a guard ends the run `timeoutMs` + 5 s after the last send. Certificates are not
 *   checked (the server's is self-signed): loopback only.
 */
import { randomBytes } from 'node:crypto';
import tls from 'node:tls';
import WebSocket from 'ws';
import { summarize } from './latency.js';
import { isLoopback, type LoadResult } from './load-options.js';
import { hostForUri, SEQ_DIGITS } from './sip-template.js';

export type StreamKind = 'tls' | 'wss';

export interface StreamLoadOptions {
  readonly kind: StreamKind;
  /** Loopback only. */
  readonly host: string;
  readonly port: number;
  readonly count: number;
  readonly window: number;
  /** Connections opened, 1–64. */
  readonly connections: number;
  readonly timeoutMs: number;
  readonly durationLimitMs: number;
}

/** A stream's partial message is never allowed to grow past this (a response here is ~500 B). */
const MAX_BUFFERED_BYTES = 65_536;
const HANDSHAKE_TIMEOUT_MS = 10_000;
const CONTENT_LENGTH = /\r\n(?:content-length|l)[ \t]*:[ \t]*(\d{1,6})[ \t]*\r\n/i;

interface Conn {
  readonly localPort: number;
  alive: boolean;
  send(b: Buffer): void;
  close(): void;
}

type OnMessage = (msg: Buffer) => void;
type OnError = () => void;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no handshake within ${HANDSHAKE_TIMEOUT_MS} ms`)), HANDSHAKE_TIMEOUT_MS)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Splits a TLS byte stream into SIP messages by Content-Length (RFC 3261 §18.3); false = unframeable. */
function frameStream(onMessage: OnMessage): (chunk: Buffer) => boolean {
  let pending: Buffer | undefined;
  return (chunk) => {
    let buf = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    pending = undefined;
    for (;;) {
      const headEnd = buf.indexOf('\r\n\r\n');
      if (headEnd < 0) break;
      const m = CONTENT_LENGTH.exec(buf.toString('latin1', 0, headEnd + 2));
      if (m === null) return false; // §18.3: Content-Length MUST be used on a stream
      const end = headEnd + 4 + Number(m[1]);
      if (buf.length < end) break;
      onMessage(buf.subarray(0, end));
      buf = buf.subarray(end);
    }
    if (buf.length > MAX_BUFFERED_BYTES) return false;
    if (buf.length > 0) pending = Buffer.from(buf);
    return true;
  };
}

async function openTls(host: string, port: number, onMessage: OnMessage, onError: OnError): Promise<Conn> {
  const sock = tls.connect({ host, port, rejectUnauthorized: false });
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      sock.once('secureConnect', () => resolve());
      sock.once('error', reject);
    }),
    `tls ${host}:${port}`,
  );
  sock.setNoDelay(true);
  const conn: Conn = { localPort: sock.localPort ?? 0, alive: true, send: (b) => sock.write(b), close: () => sock.destroy() };
  const feed = frameStream(onMessage);
  sock.on('data', (chunk: Buffer) => {
    if (!feed(chunk)) sock.destroy();
  });
  sock.on('error', onError);
  sock.on('close', () => (conn.alive = false));
  return conn;
}

async function openWss(host: string, port: number, onMessage: OnMessage, onError: OnError): Promise<Conn> {
  const ws = new WebSocket(`wss://${hostForUri(host)}:${port}`, ['sip'], {
    rejectUnauthorized: false,
    perMessageDeflate: false,
    maxPayload: MAX_BUFFERED_BYTES,
  });
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    `wss ${host}:${port}`,
  );
  if (ws.protocol !== 'sip') {
    ws.terminate();
    throw new Error(`wss ${host}:${port}: the server did not accept the sip subprotocol (RFC 7118 §4.1)`);
  }
  const conn: Conn = { localPort: 0, alive: true, send: (b) => ws.send(b.toString('latin1')), close: () => ws.terminate() };
  ws.on('message', (data: Buffer) => onMessage(data));
  ws.on('error', onError);
  ws.on('close', () => (conn.alive = false));
  return conn;
}

function request(kind: StreamKind, host: string, conn: Conn, id: string): Buffer {
  const h = hostForUri(host);
  // RFC 7118 §5.2: a WebSocket client's sent-by is an unresolvable host; over TLS our own address.
  const via = kind === 'wss' ? `SIP/2.0/WSS bench.invalid` : `SIP/2.0/TLS 127.0.0.1:${conn.localPort}`;
  return Buffer.from(
    `OPTIONS sip:${h} SIP/2.0\r\n` +
      `Via: ${via};branch=z9hG4bK${id};rport\r\n` +
      'Max-Forwards: 70\r\n' +
      `From: "sip4xx bench" <sip:bench@127.0.0.1>;tag=${id}\r\n` +
      `To: <sip:${h}>\r\n` +
      `Call-ID: ${id}@bench\r\n` +
      'CSeq: 1 OPTIONS\r\n' +
      'Content-Length: 0\r\n\r\n',
    'latin1',
  );
}

function validateStream(o: StreamLoadOptions): void {
  if (!isLoopback(o.host)) throw new Error(`refusing non-loopback target ${o.host}`);
  if (!Number.isInteger(o.port) || o.port <= 0 || o.port > 65535) throw new Error(`bad port ${o.port}`);
  if (!Number.isInteger(o.count) || o.count <= 0 || o.count > 10_000_000) throw new Error(`bad count ${o.count}`);
  if (!Number.isInteger(o.window) || o.window <= 0 || o.window > 100_000) throw new Error(`bad window ${o.window}`);
  if (!Number.isInteger(o.connections) || o.connections < 1 || o.connections > 64) throw new Error(`bad connections ${o.connections}`);
  if (!(o.timeoutMs > 0 && o.timeoutMs <= 60_000)) throw new Error(`bad timeoutMs ${o.timeoutMs}`);
  if (!(o.durationLimitMs > 0 && o.durationLimitMs <= 600_000)) throw new Error(`bad durationLimitMs ${o.durationLimitMs}`);
}

/** One run's state: matching responses, the closed loop, timeouts, the result. */
class StreamRun {
  readonly marker = `sb${randomBytes(4).toString('hex')}x`;
  readonly conns: Conn[] = [];
  private readonly sentAt: Float64Array;
  private readonly state: Uint8Array; // 0 outstanding or unsent, 1 answered, 2 lost
  private readonly samples: Float64Array;
  private readonly statuses: Record<string, number> = {};
  private readonly c = { sent: 0, answered: 0, lost: 0, late: 0, dup: 0, prov: 0, stray: 0, errors: 0, outstanding: 0 };
  private t0 = 0;
  private lastSend = 0;
  private lastFinal = 0;
  private low = 0; // every request below this one is settled
  private rr = 0;
  private stoppedBy: LoadResult['stoppedBy'] = 'count';
  private done: (() => void) | undefined;

  constructor(private readonly o: StreamLoadOptions) {
    this.sentAt = new Float64Array(o.count);
    this.state = new Uint8Array(o.count);
    this.samples = new Float64Array(o.count);
  }

  readonly onError = (): void => void this.c.errors++;

  readonly onMessage = (msg: Buffer): void => {
    const { c, marker } = this;
    const at = msg.indexOf(marker);
    const status = msg.subarray(0, 8).toString('latin1') === 'SIP/2.0 ' ? Number(msg.toString('latin1', 8, 11)) : NaN;
    const seq = at < 0 ? NaN : Number(msg.toString('latin1', at + marker.length, at + marker.length + SEQ_DIGITS));
    if (!Number.isInteger(seq) || seq < 0 || seq >= c.sent || !(status >= 100 && status < 700)) return void c.stray++;
    if (status < 200) return void c.prov++;
    if (this.state[seq] === 1) return void c.dup++;
    if (this.state[seq] === 2) return void c.late++;
    const now = performance.now();
    this.state[seq] = 1;
    this.samples[c.answered++] = now - (this.sentAt[seq] ?? now);
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    this.lastFinal = now;
    c.outstanding--;
    this.sendNext();
  };

  private pick(): Conn | undefined {
    for (let i = 0; i < this.conns.length; i++) {
      const k = this.conns[this.rr++ % this.conns.length];
      if (k?.alive === true) return k;
    }
    return undefined;
  }

  /** Fills the window; ends the run once nothing is outstanding and nothing more may be sent. */
  private sendNext(): void {
    const { c, o } = this;
    if (c.sent > 0 && performance.now() - this.t0 > o.durationLimitMs && this.stoppedBy === 'count') this.stoppedBy = 'duration';
    while (c.outstanding < o.window && c.sent < o.count && this.stoppedBy === 'count') {
      const k = this.pick();
      if (k === undefined) break;
      const seq = c.sent++;
      const now = performance.now();
      if (seq === 0) this.t0 = now;
      this.sentAt[seq] = this.lastSend = now;
      c.outstanding++;
      k.send(request(o.kind, o.host, k, `${this.marker}${String(seq).padStart(SEQ_DIGITS, '0')}`));
    }
    if (c.outstanding === 0) this.done?.();
  }

  /** A request without its final response for timeoutMs is lost, and its slot reused. */
  private expire(): void {
    const now = performance.now();
    while (this.low < this.c.sent && this.state[this.low] !== 0) this.low++;
    for (let s = this.low; s < this.c.sent; s++) {
      if (this.state[s] === 0 && now - (this.sentAt[s] ?? now) > this.o.timeoutMs) {
        this.state[s] = 2;
        this.c.lost++;
        this.c.outstanding--;
      }
    }
    if (!this.conns.some((k) => k.alive) && this.c.outstanding === 0) this.done?.();
    this.sendNext();
  }

  run(): Promise<void> {
    return new Promise<void>((resolve) => {
      const sweeper = setInterval(() => this.expire(), 50);
      const guard = setTimeout(() => {
        this.stoppedBy = 'guard';
        this.done?.();
      }, this.o.durationLimitMs + this.o.timeoutMs + 5000);
      this.done = () => {
        this.done = undefined;
        clearInterval(sweeper);
        clearTimeout(guard);
        resolve();
      };
      this.sendNext();
    });
  }

  result(): LoadResult {
    const { c, o } = this;
    // Requests never answered by the end (guard) are lost too.
    for (let s = 0; s < c.sent; s++) if (this.state[s] === 0) c.lost++;
    const durationMs = Math.max(0, (this.lastFinal || this.lastSend) - this.t0);
    const sendDurationMs = Math.max(0, this.lastSend - this.t0);
    return {
      method: 'OPTIONS',
      requestUri: `sip:${hostForUri(o.host)}`,
      target: `${o.kind}://${hostForUri(o.host)}:${o.port}`,
      offeredRate: 0,
      window: o.window,
      socketsCount: o.connections,
      sent: c.sent,
      answered: c.answered,
      lost: c.lost,
      late: c.late,
      duplicateFinals: c.dup,
      provisional: c.prov,
      stray: c.stray,
      acksSent: 0,
      retransmissions: 0,
      socketErrors: c.errors,
      durationMs,
      sendDurationMs,
      rps: durationMs > 0 ? (c.answered * 1000) / durationMs : 0,
      sendRate: sendDurationMs > 0 ? (c.sent * 1000) / sendDurationMs : 0,
      latencyMs: summarize(this.samples.subarray(0, c.answered)),
      provisionalLatencyMs: summarize(new Float64Array(0)),
      statuses: this.statuses,
      stoppedBy: this.stoppedBy,
    };
  }
}

/** One closed-loop run; resolves with the same figures as the UDP generator's (bench/load-options.ts). */
export async function runStreamLoad(o: StreamLoadOptions): Promise<LoadResult> {
  validateStream(o);
  const r = new StreamRun(o);
  const open = o.kind === 'tls' ? openTls : openWss;
  try {
    for (let i = 0; i < o.connections; i++) r.conns.push(await open(o.host, o.port, r.onMessage, r.onError));
    await r.run();
  } finally {
    for (const k of r.conns) k.close();
  }
  return r.result();
}
