/**
 * The request journal: every request received, the responses sent to it and the rule that chose
 * the answer, for GET /api/requests and GET /api/events (README, "Control plane"). Bounded by
 * `journal.maxEntries` and `journal.maxBytes`, oldest dropped first; off (`journal.enabled`
 * false) it records nothing, allocates nothing, and the core does not wrap flows at all.
 *
 * The bytes live outside the JS heap, in one ring the journal owns: a Buffer of `journal.maxBytes`
 * that each message is copied into (never a view of the buffer it arrived in, which on a stream is
 * a slice of the connection's buffer). An entry is a slot of numbers saying where its bytes lie
 * (src/journal/slots.ts), named by its id; the parsed fields are read again from the bytes when
 * asked for, through a view made then (src/journal/entry.ts). The collector has nothing to copy or
 * trace per entry, where one string per message kept alive cost it a fifth of the INVITE rate and
 * an object per entry was still the largest old-generation garbage per request
 * (docs/ARCHITECTURE.md, "Request journal").
 */
import type { TransportName } from '../transport/flow.js';
import { JournalEntry, statusCodeOf, type JournalStore } from './entry.js';
import { ABSORBED, EntrySlots, keptMethod, PUBLISHED, REFUSED, RETRANSMISSION, ResponseSlots, TRANSPORTS } from './slots.js';

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

export class Journal implements JournalStore {
  readonly entries = new EntrySlots();
  readonly responseSlots = new ResponseSlots();
  private totalBytes = 0;
  /** The bytes, allocated on the first record (never while the journal is off). */
  private ring: Buffer | undefined;
  /** Bytes written into the ring since it was made, counting the tail skipped at each wrap: what `pos` counts. */
  private written = 0;
  /** Where in the ring the next bytes go: `written` modulo its size, kept as it moves (no division). */
  private offset = 0;
  /** The last source address kept: a flood from one address keeps one string, not one per request. */
  private lastAddress = '';
  private readonly listeners = new Set<JournalListener>();
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
    return this.entries.count;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get ringBytes(): Buffer | undefined {
    return this.ring;
  }

  /** Oldest first: a view of each entry held now. */
  list(): JournalEntry[] {
    const out: JournalEntry[] = [];
    const first = this.entries.firstId;
    for (let i = 0; i < this.entries.count; i++) out.push(new JournalEntry(this, first + i));
    return out;
  }

  /** A view of the entry with this id, while the journal holds it. */
  get(id: number): JournalEntry | undefined {
    return this.entries.slotOf(id) < 0 ? undefined : new JournalEntry(this, id);
  }

  /** Record a request received; `data` is copied into the ring. Its id, or 0 when it is larger than the ring. */
  record(fields: RequestFields, data: Buffer): number {
    const ring = this.ringFor(this.limits().maxBytes);
    const at = this.reserve(ring, data.length);
    if (at < 0) {
      // Larger than the whole ring: never held, counted as dropped.
      this.evictions++;
      return 0;
    }
    ring.set(data, at);
    const e = this.entries;
    const id = e.nextId;
    const s = e.push();
    const bytes = data.length + ENTRY_OVERHEAD_BYTES;
    if (fields.address !== this.lastAddress) this.lastAddress = fields.address;
    e.time[s] = this.now();
    e.pos[s] = this.written - data.length;
    e.length[s] = data.length;
    e.bytes[s] = bytes;
    e.port[s] = fields.port;
    e.key[s] = callIdKey(fields.callId);
    e.flags[s] = fields.refused ? REFUSED : 0;
    e.transport[s] = TRANSPORTS.indexOf(fields.transport);
    e.retransmissionOf[s] = 0;
    e.retransmissions[s] = 0;
    e.responsesDropped[s] = 0;
    e.responseCount[s] = 0;
    e.firstResponse[s] = -1;
    e.lastResponse[s] = -1;
    e.method[s] = keptMethod(fields.method);
    e.address[s] = this.lastAddress;
    e.rule[s] = undefined;
    this.totalBytes += bytes;
    this.trim();
    return id;
  }

  /** A response sent to entry `id`'s request (copied, unless it repeats the last one). */
  response(id: number, data: Buffer): void {
    const e = this.entries;
    let s = e.slotOf(id);
    if (s < 0) return;
    if (e.responseCount[s]! >= MAX_RESPONSES) {
      e.responsesDropped[s]!++;
      this.changed(s);
      return;
    }
    const rs = this.responseSlots;
    const ring = this.ring!;
    const lastR = e.lastResponse[s]!;
    const lastAt = lastR >= 0 ? rs.pos[lastR]! % ring.length : 0;
    const again = lastR >= 0 && rs.length[lastR] === data.length && ring.compare(data, 0, data.length, lastAt, lastAt + data.length) === 0;
    if (!again) {
      const at = this.reserve(ring, data.length);
      // The space taken may have been the entry's own oldest bytes: then it is gone, and so is this.
      s = e.slotOf(id);
      if (at < 0 || s < 0) return;
      ring.set(data, at);
    }
    const r = rs.take();
    rs.time[r] = this.now();
    rs.pos[r] = again ? rs.pos[lastR]! : this.written - data.length;
    rs.length[r] = data.length;
    rs.code[r] = again ? rs.code[lastR]! : statusCodeOf(data);
    rs.again[r] = again ? 1 : 0;
    if (lastR >= 0) rs.next[lastR] = r;
    else e.firstResponse[s] = r;
    e.lastResponse[s] = r;
    e.responseCount[s]!++;
    const added = (again ? 0 : data.length) + RESPONSE_OVERHEAD_BYTES;
    e.bytes[s]! += added;
    this.totalBytes += added;
    this.changed(s);
    this.trim();
  }

  /** Entry `id`, an ACK, was absorbed by its INVITE transaction or its dialog (§17.2.1, §13.3.1.4). */
  absorbed(id: number): void {
    const s = this.entries.slotOf(id);
    if (s >= 0) this.entries.flags[s]! |= ABSORBED;
  }

  /** Mark entry `id` a retransmission of the latest earlier entry for the same request. */
  markRetransmission(id: number): void {
    const e = this.entries;
    const s = e.slotOf(id);
    if (s < 0) return;
    e.flags[s]! |= RETRANSMISSION;
    const mine = new JournalEntry(this, id);
    const method = mine.method;
    const m = mine.essentials();
    const theirsFirst = Math.max(e.firstId, id - RETRANSMISSION_LOOKBACK);
    for (let other = id - 1; other >= theirsFirst; other--) {
      const o = e.slotOf(other);
      if (e.key[o] !== e.key[s] || e.address[o] !== e.address[s] || e.port[o] !== e.port[s]) continue;
      const theirs = new JournalEntry(this, other);
      if (theirs.method !== method) continue;
      const t = theirs.essentials();
      if (t.callId === m.callId && t.cseq === m.cseq) {
        e.retransmissionOf[s] = other;
        e.retransmissions[o]!++;
        this.changed(o);
        return;
      }
    }
  }

  /** The request was handled: tell listeners (and from now on, tell them of each change). */
  publish(id: number): void {
    const s = this.entries.slotOf(id);
    if (s < 0 || this.listeners.size === 0) return;
    this.entries.flags[s]! |= PUBLISHED;
    const view = new JournalEntry(this, id);
    for (const l of this.listeners) l(view, 'request');
  }

  private changed(s: number): void {
    if (this.listeners.size === 0 || (this.entries.flags[s]! & PUBLISHED) === 0) return;
    const view = new JournalEntry(this, this.entries.idAt(s));
    for (const l of this.listeners) l(view, 'update');
  }

  /** The rule (or stub) that chose the final answer to entry `id`'s request. */
  answered(id: number, rule: string): void {
    const s = this.entries.slotOf(id);
    if (s < 0) return;
    this.entries.rule[s] = rule;
    this.changed(s);
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
    this.entries.reset();
    this.responseSlots.reset();
    this.totalBytes = 0;
    this.ring = undefined;
    this.written = 0;
    this.offset = 0;
  }

  /** The ring, made at `maxBytes`; a changed size starts a new one, dropping what the old held. */
  private ringFor(maxBytes: number): Buffer {
    if (this.ring !== undefined && this.ring.length === maxBytes) return this.ring;
    while (this.entries.count > 0) this.evictOldest();
    // Unpooled and not zeroed: only bytes written since are ever read, pages are touched as written.
    this.ring = Buffer.allocUnsafeSlow(maxBytes);
    this.written = 0;
    this.offset = 0;
    return this.ring;
  }

  /**
   * Room for `n` contiguous bytes: at the write position, or at the ring's start when they would run
   * past its end (entries they overwrite go first). Their offset in the ring, -1 when `n` exceeds it.
   */
  private reserve(ring: Buffer, n: number): number {
    const size = ring.length;
    if (n > size) return -1;
    const wrap = this.offset + n > size;
    const at = wrap ? 0 : this.offset;
    this.written += wrap ? size - this.offset + n : n;
    this.offset = at + n;
    const floor = this.written - size;
    const e = this.entries;
    while (e.count > 0 && e.pos[e.head]! < floor) this.evictOldest();
    return at;
  }

  private evictOldest(): void {
    const e = this.entries;
    const s = e.shift();
    this.responseSlots.release(e.firstResponse[s]!);
    this.totalBytes -= e.bytes[s]!;
    this.evictions++;
  }

  private trim(): void {
    const { maxEntries, maxBytes } = this.limits();
    while (this.entries.count > 0 && (this.entries.count > maxEntries || this.totalBytes > maxBytes)) this.evictOldest();
  }
}
