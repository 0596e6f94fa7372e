/**
 * The request journal: every request received, the responses sent to it and the rule that chose
 * the answer, for GET /api/requests and GET /api/events (README, "Control plane"). Bounded by
 * `journal.maxEntries` and `journal.maxBytes`, oldest dropped first; off (`journal.enabled`
 * false) it records nothing, allocates nothing, and the core does not wrap flows at all.
 *
 * The bytes live outside the JS heap, in one ring the journal owns: a Buffer of `journal.maxBytes`
 * that each message is copied into (never a view of the buffer it arrived in, which on a stream is
 * a slice of the connection's buffer). An entry is a small object of numbers saying where its
 * bytes lie; the parsed fields are read again from them when asked for (src/journal/entry.ts). The
 * collector has next to nothing to copy or trace per entry, where one string per message kept
 * alive cost it a fifth of the INVITE rate (docs/ARCHITECTURE.md, "Request journal").
 */
import type { TransportName } from '../transport/flow.js';
import { JournalEntry, JournalResponse, statusCodeOf } from './entry.js';

export { JournalEntry, JournalResponse } from './entry.js';

export interface JournalLimits {
  readonly enabled: boolean;
  readonly maxEntries: number;
  readonly maxBytes: number;
}

/** What the core knows of a request when it records it; the rest is read from its bytes. */
export interface RequestFields {
  readonly transport: TransportName;
  readonly address: string;
  readonly port: number;
  readonly method: string;
  readonly callId: string | undefined;
  readonly cseq: string | undefined;
  /** The parser refused it (answered statelessly, rule "parser"). */
  readonly refused: boolean;
}

/** Bookkeeping charged per entry and per response on top of their bytes. */
export const ENTRY_OVERHEAD_BYTES = 256;
export const RESPONSE_OVERHEAD_BYTES = 64;
/** Responses kept per entry (an INVITE over UDP resends its final up to ~10 times, Timer G). */
export const MAX_RESPONSES = 32;
/** How far back a retransmission looks for its original request. */
const RETRANSMISSION_LOOKBACK = 256;
/** Past this length a method read from the parser may be a slice of its whole header text (V8). */
const SHORT_STRING = 13;

export type JournalListener = (entry: JournalEntry, kind: 'request' | 'update') => void;

/**
 * FNV-1a over a Call-ID: a cheap first test, for a retransmission's original (§17.2.3: the same
 * Call-ID before anything else) and for the `callId` filter, before the bytes are parsed.
 */
export function callIdKey(callId: string | undefined): number {
  let h = 0x811c9dc5;
  const s = callId ?? '';
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

export class Journal {
  // Oldest first from `start`; evicted slots before it are cleared and compacted away in bulk
  // (Array.shift() on a full journal moved every entry, every request).
  private entries: (JournalEntry | undefined)[] = [];
  private start = 0;
  private nextId = 1;
  private totalBytes = 0;
  /** The bytes, allocated on the first record (never while the journal is off). */
  private ring: Buffer | undefined;
  /** Bytes written into the ring since it was made, counting the tail skipped at each wrap. */
  private written = 0;
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

  /** Record a request received; `data` is copied into the ring. */
  record(fields: RequestFields, data: Buffer): JournalEntry {
    const ring = this.ringFor(this.limits().maxBytes);
    const pos = this.reserve(ring, data.length);
    const at = pos < 0 ? 0 : pos % ring.length;
    const method = fields.method.length < SHORT_STRING ? fields.method : undefined;
    const bytes = data.length + ENTRY_OVERHEAD_BYTES;
    const key = callIdKey(fields.callId);
    const entry = new JournalEntry(this.nextId++, this.now(), fields.transport, fields.address, fields.port, method, fields.refused, key, ring, pos < 0 ? 0 : Math.floor(pos / ring.length), at, data.length, bytes);
    if (pos < 0) {
      // Larger than the whole ring: never held, counted as dropped.
      entry.gone = true;
      this.evictions++;
      return entry;
    }
    data.copy(ring, at);
    this.entries.push(entry);
    this.totalBytes += bytes;
    this.trim();
    return entry;
  }

  /** A response sent to `entry`'s request (copied, unless it repeats the last one). */
  response(entry: JournalEntry, data: Buffer): void {
    if (entry.gone) return;
    const kept = entry.responses;
    if (kept.length >= MAX_RESPONSES) {
      entry.responsesDropped++;
      this.changed(entry);
      return;
    }
    const last = kept[kept.length - 1];
    const ring = entry.ring;
    const again = last !== undefined && last.length === data.length && ring.compare(data, 0, data.length, last.at, last.at + last.length) === 0;
    let at = last?.at ?? 0;
    if (!again) {
      const pos = this.reserve(ring, data.length);
      // The space taken may have been the entry's own oldest bytes: then it is gone, and so is this.
      if (pos < 0 || entry.gone) return;
      at = pos % ring.length;
      data.copy(ring, at);
    }
    const code = again ? last.code : statusCodeOf(data);
    entry.addResponse(new JournalResponse(entry, this.now(), code, again, at, data.length));
    const added = (again ? 0 : data.length) + RESPONSE_OVERHEAD_BYTES;
    entry.bytes += added;
    this.totalBytes += added;
    this.changed(entry);
    this.trim();
  }

  /** Mark `entry` a retransmission of the latest earlier entry for the same request. */
  markRetransmission(entry: JournalEntry): void {
    entry.retransmission = true;
    const mine = entry.essentials();
    const stop = Math.max(this.start, this.entries.length - 1 - RETRANSMISSION_LOOKBACK);
    for (let i = this.entries.length - 2; i >= stop; i--) {
      const e = this.entries[i]!;
      if (e.key !== entry.key || e.method !== entry.method || e.address !== entry.address || e.port !== entry.port) continue;
      const theirs = e.essentials();
      if (theirs.callId === mine.callId && theirs.cseq === mine.cseq) {
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

  /** Drop every entry (DELETE /api/requests, POST /api/reset) and the ring; not counted as evictions. */
  clear(): void {
    for (let i = this.start; i < this.entries.length; i++) this.entries[i]!.gone = true;
    this.entries = [];
    this.start = 0;
    this.totalBytes = 0;
    this.ring = undefined;
    this.written = 0;
  }

  /** The ring, made at `maxBytes`; a changed size starts a new one, dropping what the old held. */
  private ringFor(maxBytes: number): Buffer {
    if (this.ring !== undefined && this.ring.length === maxBytes) return this.ring;
    while (this.start < this.entries.length) this.evictOldest();
    // Unpooled and not zeroed: only bytes written since are ever read, pages are touched as written.
    this.ring = Buffer.allocUnsafeSlow(maxBytes);
    this.written = 0;
    return this.ring;
  }

  /**
   * Room for `n` contiguous bytes: at the write position, or at the ring's start when they would
   * run past its end. Entries whose bytes that overwrites go first. -1 when `n` exceeds the ring.
   */
  private reserve(ring: Buffer, n: number): number {
    const size = ring.length;
    if (n > size) return -1;
    const offset = this.written % size;
    const pos = offset + n > size ? this.written + (size - offset) : this.written;
    this.written = pos + n;
    const floor = this.written - size;
    while (this.start < this.entries.length && this.entries[this.start]!.position < floor) this.evictOldest();
    return pos;
  }

  private evictOldest(): void {
    const e = this.entries[this.start]!;
    this.entries[this.start++] = undefined;
    e.gone = true;
    this.totalBytes -= e.bytes;
    this.evictions++;
  }

  private trim(): void {
    const { maxEntries, maxBytes } = this.limits();
    while (this.start < this.entries.length && (this.entries.length - this.start > maxEntries || this.totalBytes > maxBytes)) this.evictOldest();
    // Compact once the dead prefix is as long as the live part: O(1) per entry, amortized.
    if (this.start > 1024 && this.start * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }
}
