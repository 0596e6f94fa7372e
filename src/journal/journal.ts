/**
 * The request journal: every request received, the responses sent to it and the rule that chose
 * the answer, for GET /api/requests and GET /api/events (README, "Control plane"). Bounded by
 * `journal.maxEntries` and `journal.maxBytes`, oldest dropped first; off (`journal.enabled`
 * false) it records nothing and the core does not wrap flows at all.
 *
 * Entries hold copies of the bytes as latin1 strings, one character per byte: lossless, never a
 * view of the buffer received (on a stream that is a slice of the connection's buffer), cheaper to
 * keep than a Buffer each (whose backing store the collector tracks one by one: 30 % of the time
 * on a full journal), and already the form the API serves.
 */
import type { TransportName } from '../transport/flow.js';

export interface JournalLimits {
  readonly enabled: boolean;
  readonly maxEntries: number;
  readonly maxBytes: number;
}

export interface JournalResponse {
  readonly time: number;
  readonly code: number;
  readonly reason: string;
  /** The bytes sent, one latin1 character per byte. */
  readonly raw: string;
  /** The same bytes sent again (§17.2.1 Timer G, or a resend for a retransmitted request). */
  readonly retransmission: boolean;
}

/** What the core knows of a request when it records it (the parsed essentials). */
export interface RequestFields {
  readonly transport: TransportName;
  readonly address: string;
  readonly port: number;
  readonly method: string;
  readonly ruri: string | undefined;
  /** The user part of the Request-URI, as received. */
  readonly ruriUser: string | undefined;
  readonly callId: string | undefined;
  readonly fromUser: string | undefined;
  readonly toUser: string | undefined;
  readonly cseq: string | undefined;
}

export interface JournalEntry extends RequestFields {
  readonly id: number;
  readonly time: number;
  /** The bytes received, one latin1 character per byte. */
  readonly raw: string;
  readonly responses: JournalResponse[];
  /** The rule (or stub) that chose the final answer: the `rule` of the `answered` log line. */
  rule: string | undefined;
  /** This request is a retransmission (§17.2.1, §17.2.2) of entry `retransmissionOf`. */
  retransmission: boolean;
  retransmissionOf: number | undefined;
  /** Retransmissions of this request received since. */
  retransmissions: number;
  /** An ACK: never answered, absorbed by its INVITE transaction or its dialog (§17.2.1, §13.3.1.4). */
  absorbed: boolean;
  /** Responses past MAX_RESPONSES, counted but not kept. */
  responsesDropped: number;
  /** Bytes charged against journal.maxBytes. */
  bytes: number;
  /** Left the journal (evicted or cleared): later responses are not recorded. */
  gone: boolean;
}

/** Bookkeeping charged per entry and per response on top of their bytes. */
export const ENTRY_OVERHEAD_BYTES = 256;
export const RESPONSE_OVERHEAD_BYTES = 64;
/** Responses kept per entry (an INVITE over UDP resends its final up to ~10 times, Timer G). */
export const MAX_RESPONSES = 32;
/** How far back a retransmission looks for its original request. */
const RETRANSMISSION_LOOKBACK = 256;

export type JournalListener = (entry: JournalEntry, kind: 'request' | 'update') => void;

/**
 * `value` as a piece of `raw` when it is one: the parsed fields are slices of the parser's own
 * header text, which would otherwise stay alive beside the copy (V8 slices strings of 13 or more
 * characters instead of copying them). Equal text either way.
 */
function within(raw: string, value: string | undefined): string | undefined {
  if (value === undefined || value.length < 13) return value;
  const at = raw.indexOf(value);
  return at === -1 ? value : raw.slice(at, at + value.length);
}

/** Status code and reason phrase of a response's status line (§7.1: SIP/2.0 SP code SP reason). */
function statusOf(raw: string): { code: number; reason: string } {
  // "SIP/2.0 " is 8 characters; the code is the next 3 digits.
  const code = (raw.charCodeAt(8) - 48) * 100 + (raw.charCodeAt(9) - 48) * 10 + (raw.charCodeAt(10) - 48);
  let end = raw.indexOf('\r', 12);
  if (end === -1 || end > 12 + 256) end = Math.min(raw.length, 12 + 256);
  return { code: Number.isInteger(code) && code >= 100 && code <= 699 ? code : 0, reason: raw.slice(12, Math.max(12, end)) };
}

export class Journal {
  // Oldest first from `start`; evicted slots before it are cleared and compacted away in bulk
  // (Array.shift() on a full journal moved every entry, every request).
  private entries: (JournalEntry | undefined)[] = [];
  private start = 0;
  private nextId = 1;
  private totalBytes = 0;
  private readonly listeners = new Set<JournalListener>();
  /** Entries listeners were told of: each later change is an 'update' event. */
  private readonly published = new WeakSet<JournalEntry>();
  /** Entries dropped to stay within maxEntries / maxBytes, since start (metrics). */
  evictions = 0;

  constructor(
    private readonly limits: () => JournalLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.limits().enabled;
  }

  get size(): number {
    return this.entries.length - this.start;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Oldest first (a copy). */
  list(): JournalEntry[] {
    return this.entries.slice(this.start) as JournalEntry[];
  }

  /** The entry with this id, while the journal holds it (ids are consecutive from `start` on). */
  get(id: number): JournalEntry | undefined {
    const first = this.entries[this.start];
    if (first === undefined) return undefined;
    const e = this.entries[this.start + (id - first.id)];
    return e !== undefined && e.id === id ? e : undefined;
  }

  /** Record a request received; `data` is copied. */
  record(fields: RequestFields, data: Buffer): JournalEntry {
    const raw = data.toString('latin1');
    const entry: JournalEntry = {
      transport: fields.transport,
      address: fields.address,
      port: fields.port,
      method: fields.method,
      ruri: within(raw, fields.ruri),
      ruriUser: within(raw, fields.ruriUser),
      callId: within(raw, fields.callId),
      fromUser: within(raw, fields.fromUser),
      toUser: within(raw, fields.toUser),
      cseq: within(raw, fields.cseq),
      id: this.nextId++,
      time: this.now(),
      raw,
      responses: [],
      rule: undefined,
      retransmission: false,
      retransmissionOf: undefined,
      retransmissions: 0,
      absorbed: false,
      responsesDropped: 0,
      // The copy, plus any field that is not a piece of it (at most the request's length again).
      bytes: 2 * raw.length + ENTRY_OVERHEAD_BYTES,
      gone: false,
    };
    this.entries.push(entry);
    this.totalBytes += entry.bytes;
    this.trim();
    return entry;
  }

  /** A response sent to `entry`'s request (copied, unless it repeats the last one). */
  response(entry: JournalEntry, data: Buffer): void {
    if (entry.gone) return;
    if (entry.responses.length >= MAX_RESPONSES) {
      entry.responsesDropped++;
      this.changed(entry);
      return;
    }
    const last = entry.responses[entry.responses.length - 1];
    const text = data.toString('latin1');
    const again = last !== undefined && last.raw === text;
    const raw = again ? last.raw : text;
    const { code, reason } = again ? last : statusOf(raw);
    entry.responses.push({ time: this.now(), code, reason, raw, retransmission: again });
    const added = (again ? 0 : raw.length) + RESPONSE_OVERHEAD_BYTES;
    entry.bytes += added;
    this.totalBytes += added;
    this.changed(entry);
    this.trim();
  }

  /** Mark `entry` a retransmission of the latest earlier entry for the same request. */
  markRetransmission(entry: JournalEntry): void {
    entry.retransmission = true;
    const stop = Math.max(this.start, this.entries.length - 1 - RETRANSMISSION_LOOKBACK);
    for (let i = this.entries.length - 2; i >= stop; i--) {
      const e = this.entries[i]!;
      if (e.callId === entry.callId && e.cseq === entry.cseq && e.method === entry.method && e.address === entry.address && e.port === entry.port) {
        entry.retransmissionOf = e.id;
        e.retransmissions++;
        this.changed(e);
        return;
      }
    }
  }

  /** The request was handled: tell listeners (and from now on, tell them of each change). */
  publish(entry: JournalEntry): void {
    if (entry.gone || this.listeners.size === 0) return;
    this.published.add(entry);
    for (const l of this.listeners) l(entry, 'request');
  }

  private changed(entry: JournalEntry): void {
    if (this.listeners.size === 0 || !this.published.has(entry)) return;
    for (const l of this.listeners) l(entry, 'update');
  }

  /** The rule (or stub) that chose the final answer to `entry`'s request. */
  answered(entry: JournalEntry, rule: string): void {
    if (entry.gone) return;
    entry.rule = rule;
    this.changed(entry);
  }

  subscribe(listener: JournalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Drop every entry (DELETE /api/requests, POST /api/reset); not counted as evictions. */
  clear(): void {
    for (let i = this.start; i < this.entries.length; i++) this.entries[i]!.gone = true;
    this.entries = [];
    this.start = 0;
    this.totalBytes = 0;
  }

  private trim(): void {
    const { maxEntries, maxBytes } = this.limits();
    while (this.start < this.entries.length && (this.entries.length - this.start > maxEntries || this.totalBytes > maxBytes)) {
      const e = this.entries[this.start]!;
      this.entries[this.start++] = undefined;
      e.gone = true;
      this.totalBytes -= e.bytes;
      this.evictions++;
    }
    // Compact once the dead prefix is as long as the live part: O(1) per entry, amortized.
    if (this.start > 1024 && this.start * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }
}
