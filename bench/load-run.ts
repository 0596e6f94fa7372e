/**
 * The state of one load run and what happens on each event: a pump that sends while the window
 * and the token bucket allow, a response handler that matches by the run's marker and ACKs, and a
 * sweep that counts unanswered requests lost after `timeoutMs`. Sockets are opened and closed by
 * `runLoad` (bench/load.ts); this class only sends on them.
 *
 * The generator never retransmits, so on loopback a missing answer is a real loss; 1xx responses
 * do not stop the latency clock (bench/README.md, "Reading the output").
 */
import type dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { summarize } from './latency.js';
import type { LoadOptions, LoadResult } from './load-options.js';
import { SEQ_DIGITS, ackOf, hostForUri, requestOf, type Template } from './sip-template.js';

const PENDING = 0;
const ANSWERED = 1;
const LOST = 2;

const TO_LINE = /\r\n(?:to|t)[ \t]*:[ \t]*([^\r\n]*)/i;
/** How sip4xx writes To; anything else takes the TO_LINE path. */
const TO_FAST = Buffer.from('\r\nTo: ', 'latin1');
const CRLF_BYTES = Buffer.from('\r\n', 'latin1');

export class LoadRun {
  private readonly rate: number;
  private readonly count: number;
  private readonly windowSize: number;
  private readonly isInvite: boolean;
  private readonly sendTime: Float64Array;
  private readonly state: Uint8Array;
  private readonly gotProvisional: Uint8Array;
  private readonly latencies: Float64Array;
  private readonly provLatencies: Float64Array;
  private readonly statusCounts = new Uint32Array(700);
  /** 5 ms worth of tokens at most are banked (rate > 0). */
  private readonly burst: number;

  private sent = 0;
  private answered = 0;
  private lost = 0;
  private late = 0;
  private duplicateFinals = 0;
  private provisional = 0;
  private provCount = 0;
  private stray = 0;
  private acksSent = 0;
  socketErrors = 0;
  /** Every request below this index is answered or lost. */
  private oldest = 0;
  private stopSending = false;
  private stoppedBy: LoadResult['stoppedBy'] = 'count';
  private firstSend = 0;
  private lastSend = 0;
  private lastFinal = 0;
  private nextSocket = 0;
  private tokens = 1;
  private lastRefill = 0;
  private finished = false;

  constructor(
    private readonly opts: LoadOptions,
    /** The target address as sockets send to it (no brackets, localhost resolved). */
    private readonly host: string,
    private readonly sockets: readonly dgram.Socket[],
    private readonly templates: readonly Template[],
    private readonly markerBuf: Buffer,
    private readonly onDone: () => void,
  ) {
    this.rate = opts.rate ?? 0;
    this.count = opts.count;
    this.windowSize = opts.window;
    this.isInvite = opts.method === 'INVITE';
    this.sendTime = new Float64Array(this.count);
    this.state = new Uint8Array(this.count);
    this.gotProvisional = new Uint8Array(this.count);
    this.latencies = new Float64Array(this.count);
    this.provLatencies = new Float64Array(this.count);
    this.burst = Math.max(1, this.rate / 200);
  }

  private send(sock: dgram.Socket, buf: Buffer): void {
    if (this.opts.connect ?? true) sock.send(buf);
    else sock.send(buf, this.opts.port, this.host);
  }

  private sendOne(now: number): void {
    const seq = this.sent++;
    const idx = this.nextSocket;
    this.nextSocket = idx + 1 === this.sockets.length ? 0 : idx + 1;
    const buf = requestOf(this.templates[idx] as Template, seq);
    this.sendTime[seq] = now;
    this.lastSend = now;
    this.send(this.sockets[idx] as dgram.Socket, buf);
  }

  checkDone(): void {
    if (this.finished) return;
    if ((this.sent >= this.count || this.stopSending) && this.sent - this.answered - this.lost === 0) {
      this.finished = true;
      this.onDone();
    }
  }

  /** Sends what the window and the token bucket (refilled from the clock) allow right now. */
  pump(): void {
    if (this.stopSending) return;
    let now = performance.now();
    if (this.firstSend === 0) {
      this.firstSend = now;
      this.lastRefill = now;
    }
    if (now - this.firstSend >= this.opts.durationLimitMs) {
      this.stopSending = true;
      this.stoppedBy = 'duration';
      return;
    }
    const paced = this.rate > 0;
    if (paced) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastRefill) * this.rate) / 1000);
      this.lastRefill = now;
    }
    let batch = 0;
    while (this.sent < this.count && this.sent - this.answered - this.lost < this.windowSize) {
      if (paced) {
        if (this.tokens < 1) break;
        this.tokens -= 1;
      }
      this.sendOne(now);
      // Refresh the clock now and then inside a long burst so send times stay honest.
      if (++batch === 32) {
        batch = 0;
        now = performance.now();
      }
    }
  }

  /**
   * The ACK of a final non-2xx response (§17.1.1.3). The To value is copied from the response's
   * bytes into one buffer with the rest of the ACK: the generator's own garbage (a string of the
   * whole response, the ACK as text) showed up as its own GC pauses, which the latencies include.
   */
  private sendAck(sockIdx: number, seq: number, response: Buffer): void {
    const t = this.templates[sockIdx] as Template;
    let toStart = response.indexOf(TO_FAST);
    let toEnd = -1;
    if (toStart >= 0) {
      toStart += TO_FAST.length;
      toEnd = response.indexOf(CRLF_BYTES, toStart);
    }
    let ack: Buffer;
    if (toEnd >= 0) {
      ack = ackOf(t, seq, response, toStart, toEnd);
    } else {
      const m = TO_LINE.exec(response.toString('latin1'));
      if (m === null) return; // no To: cannot build a matching ACK
      const toBytes = Buffer.from(m[1] ?? '', 'latin1');
      ack = ackOf(t, seq, toBytes, 0, toBytes.length);
    }
    this.acksSent++;
    this.send(this.sockets[sockIdx] as dgram.Socket, ack);
  }

  /** The request number a response answers, from the digits after the run's marker; -1 if none. */
  private seqOf(msg: Buffer): number {
    const marker = this.markerBuf;
    const at = msg.indexOf(marker, 12);
    if (at < 0 || at + marker.length + SEQ_DIGITS > msg.length) return -1;
    let seq = 0;
    for (let i = at + marker.length, end = i + SEQ_DIGITS; i < end; i++) {
      const d = (msg[i] ?? 0) - 48;
      if (d < 0 || d > 9) return -1;
      seq = seq * 10 + d;
    }
    return seq < this.sent ? seq : -1;
  }

  onMessage(sockIdx: number, msg: Buffer): void {
    const now = performance.now();
    // "SIP/2.0 NNN"
    if (msg.length < 12 || msg[0] !== 0x53 || msg[1] !== 0x49 || msg[2] !== 0x50 || msg[7] !== 0x20) {
      this.stray++;
      return;
    }
    const c0 = (msg[8] ?? 0) - 48;
    const c1 = (msg[9] ?? 0) - 48;
    const c2 = (msg[10] ?? 0) - 48;
    const seq = c0 < 1 || c0 > 6 || c1 < 0 || c1 > 9 || c2 < 0 || c2 > 9 ? -1 : this.seqOf(msg);
    if (seq < 0) {
      this.stray++;
      return;
    }
    const code = c0 * 100 + c1 * 10 + c2;
    if (code < 200) {
      this.onProvisional(seq, now);
      return;
    }
    const st = this.state[seq];
    if (st === PENDING) {
      this.state[seq] = ANSWERED;
      this.latencies[this.answered++] = now - (this.sendTime[seq] ?? now);
      this.statusCounts[code] = (this.statusCounts[code] ?? 0) + 1;
      this.lastFinal = now;
    } else if (st === ANSWERED) {
      this.duplicateFinals++;
    } else {
      this.late++;
    }
    // §17.1.1.3: every final non-2xx to an INVITE is ACKed, retransmissions too (§17.1.1.2).
    if (this.isInvite && code >= 300) this.sendAck(sockIdx, seq, msg);
    this.pump();
    this.checkDone();
  }

  private onProvisional(seq: number, now: number): void {
    this.provisional++;
    if (this.gotProvisional[seq] === 0 && this.state[seq] === PENDING) {
      this.gotProvisional[seq] = 1;
      this.provLatencies[this.provCount++] = now - (this.sendTime[seq] ?? now);
    }
  }

  /** Counts as lost every request still unanswered `timeoutMs` after it was sent. */
  sweepTimeouts(): void {
    const now = performance.now();
    while (this.oldest < this.sent) {
      const st = this.state[this.oldest];
      if (st === PENDING) {
        if (now - (this.sendTime[this.oldest] ?? now) < this.opts.timeoutMs) break;
        this.state[this.oldest] = LOST;
        this.lost++;
      }
      this.oldest++;
    }
  }

  /** The guard fired: stop now, whatever is still outstanding. */
  abort(): void {
    this.stoppedBy = 'guard';
    this.stopSending = true;
    this.sweepTimeouts();
    this.finished = true;
    this.onDone();
  }

  result(): LoadResult {
    // Anything still pending (the guard fired) counts as lost.
    for (let i = this.oldest; i < this.sent; i++) if (this.state[i] === PENDING) this.lost++;
    this.oldest = this.sent;
    const statuses: Record<string, number> = {};
    this.statusCounts.forEach((n, code) => {
      if (n > 0) statuses[String(code)] = n;
    });
    const { sent, answered } = this;
    const durationMs = answered > 0 ? this.lastFinal - this.firstSend : 0;
    const sendDurationMs = sent > 1 ? this.lastSend - this.firstSend : 0;
    return {
      method: this.opts.method,
      requestUri: this.opts.requestUri,
      target: `${hostForUri(this.host)}:${this.opts.port}`,
      offeredRate: this.rate,
      window: this.windowSize,
      socketsCount: this.sockets.length,
      sent,
      answered,
      lost: this.lost,
      late: this.late,
      duplicateFinals: this.duplicateFinals,
      provisional: this.provisional,
      stray: this.stray,
      acksSent: this.acksSent,
      retransmissions: 0,
      socketErrors: this.socketErrors,
      durationMs,
      sendDurationMs,
      rps: durationMs > 0 ? (answered * 1000) / durationMs : 0,
      sendRate: sendDurationMs > 0 ? ((sent - 1) * 1000) / sendDurationMs : 0,
      latencyMs: summarize(this.latencies.subarray(0, answered)),
      provisionalLatencyMs: summarize(this.provLatencies.subarray(0, this.provCount)),
      statuses,
      stoppedBy: this.stoppedBy,
    };
  }
}
