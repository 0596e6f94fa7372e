/**
 * Cuts a SIP byte stream (TCP, TLS) into messages. Pure: bytes in, events out; it never
 * touches a socket or a clock, so every framing rule is testable by feeding buffers.
 *
 * RFC 3261 §18.3: on a stream-oriented transport the Content-Length header field frames the
 * message; the header block ends at the first empty line (CRLF CRLF, §7).
 *
 * Usage: `for (const ev of framer.push(chunk)) …` for every chunk read from the connection.
 * After an `oversize` or `error` event the framer is closed and every later push returns [].
 * The limits are read when a message begins and hold for that message, so a configuration reload
 * applies to the next message on every open connection.
 *
 * Memory: a message `data` is a view (no copy) into a pushed chunk or into the framer's own
 * accumulation buffer. The framer never writes to bytes it has handed out, so views stay valid;
 * a consumer that keeps a message for long should copy it to avoid pinning a larger buffer.
 */

export interface FramerLimits {
  /** Largest header block (start line through the empty line), in bytes. */
  readonly maxHeaderBytes: number;
  /** Largest Content-Length accepted; more yields `oversize` (the core answers 413, §21.4.11). */
  readonly maxBodyBytes: number;
}

export type FramerEvent =
  /** One complete message: header block plus exactly Content-Length body bytes. */
  | { readonly kind: 'message'; readonly data: Buffer }
  /** A double-CRLF keep-alive ping (RFC 5626 §3.5.1): answer with a single CRLF. */
  | { readonly kind: 'pong' }
  /** The header block of a message whose Content-Length exceeds maxBodyBytes; framer closes. */
  | { readonly kind: 'oversize'; readonly data: Buffer; readonly contentLength: number; readonly maxBodyBytes: number }
  /** Framing is lost (header block too long, bad Content-Length); the caller closes. */
  | { readonly kind: 'error'; readonly reason: string };

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;
const EMPTY = Buffer.alloc(0);
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
const CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
const PONG: FramerEvent = Object.freeze({ kind: 'pong' });

type State = 'boundary' | 'headers' | 'body' | 'closed';

/** Content-Length of a header block: a number, `undefined` when absent, or an error reason. */
export type ContentLength = number | undefined | { readonly error: string };

export class TcpFramer {
  private readonly currentLimits: () => FramerLimits;
  /** The limits of the message being read, taken when it began. */
  private limits: FramerLimits;
  private state: State = 'boundary';
  /** Pending bytes are buf[start, end). */
  private buf: Buffer = EMPTY;
  private start = 0;
  private end = 0;
  /** Whether `buf` is ours (spare capacity past `end` may be written) or a borrowed chunk. */
  private owned = false;
  /** CRLFs already consumed at the current message boundary. */
  private crlfs = 0;
  /** Where the search for the end of the header block resumes, so no byte is scanned twice. */
  private scanFrom = 0;
  /** Offset in `buf` one past the last byte of the message being read (state 'body'). */
  private messageEnd = 0;

  constructor(limits: () => FramerLimits) {
    this.currentLimits = limits;
    this.limits = limits();
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Whether a message has begun and is not yet complete (its header block or body pending). */
  get inMessage(): boolean {
    return this.state === 'headers' || this.state === 'body';
  }

  push(chunk: Buffer): FramerEvent[] {
    const events: FramerEvent[] = [];
    if (this.state === 'closed' || chunk.length === 0) return events;
    this.append(chunk);
    while (this.step(events));
    if (this.start === this.end && this.state === 'boundary') this.reset();
    return events;
  }

  /** Advances the state machine once; false when it needs more bytes or is closed. */
  private step(events: FramerEvent[]): boolean {
    switch (this.state) {
      case 'boundary':
        return this.skipCrlfs(events);
      case 'headers':
        return this.findHeaderEnd(events);
      case 'body':
        if (this.end < this.messageEnd) return false;
        events.push({ kind: 'message', data: this.buf.subarray(this.start, this.messageEnd) });
        this.start = this.messageEnd;
        this.state = 'boundary';
        return true;
      case 'closed':
        return false;
    }
  }

  /**
   * §7.5: CRLFs before a message are ignored. RFC 5626 §3.5.1: a double CRLF is a keep-alive
   * ping that a server answers with a single CRLF (the pong).
   */
  private skipCrlfs(events: FramerEvent[]): boolean {
    const buf = this.buf;
    while (this.start < this.end) {
      if (buf[this.start] !== CR) return this.beginMessage();
      if (this.start + 1 >= this.end) return false; // a CR whose LF has not arrived yet
      if (buf[this.start + 1] !== LF) return this.beginMessage();
      this.start += 2;
      if (++this.crlfs === 2) {
        this.crlfs = 0;
        events.push(PONG);
      }
    }
    return false;
  }

  private beginMessage(): boolean {
    this.limits = this.currentLimits();
    this.crlfs = 0;
    this.state = 'headers';
    this.scanFrom = this.start;
    return true;
  }

  private findHeaderEnd(events: FramerEvent[]): boolean {
    const { maxHeaderBytes, maxBodyBytes } = this.limits;
    // Search no further than the limit allows, so a hostile peer cannot make us scan megabytes.
    const limit = Math.min(this.end, this.start + maxHeaderBytes);
    const found = this.buf.subarray(this.scanFrom, limit).indexOf(HEADER_END);
    if (found < 0) {
      if (this.end >= this.start + maxHeaderBytes) {
        return this.fail(events, `header block exceeds ${maxHeaderBytes} bytes`);
      }
      // The terminator may straddle this chunk and the next: resume 3 bytes back.
      this.scanFrom = Math.max(this.start, limit - (HEADER_END.length - 1));
      return false;
    }
    const headerEnd = this.scanFrom + found + HEADER_END.length;
    const cl = contentLength(this.buf, this.start, headerEnd);
    if (typeof cl === 'object') return this.fail(events, cl.error);
    // §18.3: a stream message without Content-Length is framed with an empty body; the core then
    // answers 400 since the header field is mandatory on streams (§20.14).
    const bodyLength = cl ?? 0;
    if (bodyLength > maxBodyBytes) {
      events.push({ kind: 'oversize', data: this.buf.subarray(this.start, headerEnd), contentLength: bodyLength, maxBodyBytes });
      this.close();
      return false;
    }
    this.messageEnd = headerEnd + bodyLength;
    this.state = 'body';
    return true;
  }

  private fail(events: FramerEvent[], reason: string): boolean {
    events.push({ kind: 'error', reason });
    this.close();
    return false;
  }

  private close(): void {
    this.state = 'closed';
    this.reset();
  }

  private reset(): void {
    this.buf = EMPTY;
    this.start = this.end = this.scanFrom = this.messageEnd = 0;
    this.owned = false;
  }

  /**
   * Adds a chunk to the pending bytes. When nothing is pending the chunk is borrowed as is (the
   * common case of one whole message per read costs no copy); otherwise bytes go into an owned
   * buffer that grows geometrically, so byte-by-byte input stays linear. Existing bytes are never
   * moved in place: messages already emitted may be views into them.
   */
  private append(chunk: Buffer): void {
    if (this.start === this.end) {
      this.buf = chunk;
      this.start = 0;
      this.end = chunk.length;
      this.owned = false;
      this.scanFrom = 0;
      return;
    }
    if (this.owned && this.end + chunk.length <= this.buf.length) {
      chunk.copy(this.buf, this.end);
      this.end += chunk.length;
      return;
    }
    const pending = this.end - this.start;
    const size = Math.max(pending + chunk.length, pending * 2, 4096);
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.start, this.end);
    chunk.copy(next, pending);
    const shift = this.start;
    this.buf = next;
    this.owned = true;
    this.start = 0;
    this.end = pending + chunk.length;
    this.scanFrom -= shift;
    if (this.state === 'body') this.messageEnd -= shift;
    if (this.scanFrom < 0) this.scanFrom = 0;
  }
}

function isWsp(c: number | undefined): boolean {
  return c === SP || c === HT;
}

/**
 * Reads Content-Length (or its compact form `l`, §7.3.3) from the header block buf[from, to),
 * which ends with CRLF CRLF. Names are case-insensitive (§7.3.1); whitespace around the colon and
 * folded continuation lines are allowed. Two different values make the framing ambiguous.
 */
export function contentLength(buf: Buffer, from: number, to: number): ContentLength {
  let found: number | undefined;
  let line = buf.indexOf(LF, from) + 1; // skip the start line
  while (line > 0 && line < to - 2) {
    const lineEnd = buf.indexOf(LF, line);
    if (!isWsp(buf[line])) {
      let nameEnd = line;
      while (nameEnd < lineEnd && buf[nameEnd] !== COLON && !isWsp(buf[nameEnd])) nameEnd++;
      let colon = nameEnd;
      while (isWsp(buf[colon])) colon++;
      if (buf[colon] === COLON && isContentLengthName(buf, line, nameEnd)) {
        const value = parseLength(buf, colon + 1, to);
        if (typeof value === 'object') return value;
        if (found !== undefined && found !== value) return { error: 'conflicting Content-Length values' };
        found = value;
      }
    }
    line = lineEnd + 1;
  }
  return found;
}

function isContentLengthName(buf: Buffer, from: number, to: number): boolean {
  const len = to - from;
  if (len === 1) return (buf[from]! | 0x20) === 0x6c; // 'l' or 'L'
  if (len !== CONTENT_LENGTH.length) return false;
  for (let i = 0; i < len; i++) {
    const want = CONTENT_LENGTH[i]!;
    const got = buf[from + i]!;
    // Folding case only for letters: `|0x20` would also turn CR into '-'.
    if (got !== want && !(want >= 0x61 && (got | 0x20) === want)) return false;
  }
  return true;
}

/**
 * Parses `1*DIGIT` surrounded by LWS, from `at` to the end of the logical header line (a line
 * followed by one starting with SP/HT continues it, §7.3.1). Values too large to be exact are
 * reported as Infinity: they are over any body limit anyway.
 */
function parseLength(buf: Buffer, at: number, blockEnd: number): number | { readonly error: string } {
  let value = 0;
  let digits = 0;
  let done = false;
  for (let i = at; i < blockEnd; i++) {
    const c = buf[i]!;
    if (c >= 0x30 && c <= 0x39) {
      if (done) return { error: 'malformed Content-Length value' };
      value = value * 10 + (c - 0x30);
      digits++;
    } else if (c === CR && buf[i + 1] === LF) {
      if (!isWsp(buf[i + 2])) break; // end of the logical line
      i++;
      done ||= digits > 0;
    } else if (isWsp(c)) {
      done ||= digits > 0;
    } else {
      return { error: 'malformed Content-Length value' };
    }
  }
  if (digits === 0) return { error: 'empty Content-Length value' };
  return value > Number.MAX_SAFE_INTEGER ? Infinity : value;
}
