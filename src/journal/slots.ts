/**
 * Where the journal keeps its entries and their responses: numbers in typed arrays, one slot per
 * entry or response, and three arrays of strings the core already shares (method, source
 * address, rule) — no object per request (docs/ARCHITECTURE.md, "Request journal"). An entry
 * lives for ~1,000 requests, long enough to be promoted by the young-generation collector and to
 * die in the old one: as objects, each INVITE and its ACK left four there, the largest source of
 * old-generation garbage per request.
 *
 * Entries are a ring in arrival order with consecutive ids, so an id is not stored: its slot is
 * found from the oldest entry's, and a slot's id from its distance to the oldest. Responses take
 * slots from a free list and are chained per entry, oldest first. Both grow by doubling when
 * full; the entry ring never holds more than the journal's bounds.
 */
import type { TransportName } from '../transport/flow.js';

export const TRANSPORTS: readonly TransportName[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];
export const REFUSED = 1;
export const RETRANSMISSION = 2;
export const ABSORBED = 4;
/** Listeners were told of it: each later change is an 'update' event. */
export const PUBLISHED = 8;

const FIRST_CAPACITY = 64;

/**
 * The method as a string the journal may keep: the parser's own for the common ones, else one
 * under 13 characters (a longer one may be a V8 slice of the whole header text; it is read again
 * from the bytes instead).
 */
export function keptMethod(m: string): string | undefined {
  switch (m) {
    case 'INVITE':
      return 'INVITE';
    case 'ACK':
      return 'ACK';
    case 'OPTIONS':
      return 'OPTIONS';
    case 'REGISTER':
      return 'REGISTER';
    case 'BYE':
      return 'BYE';
    case 'CANCEL':
      return 'CANCEL';
    default:
      return m.length < 13 ? m : undefined;
  }
}

function grown<T extends Float64Array | Int32Array | Uint8Array | Uint16Array>(a: T, make: (n: number) => T, n: number, order?: (i: number) => number): T {
  const b = make(n);
  if (order === undefined) b.set(a);
  else for (let i = 0; i < a.length; i++) b[i] = a[order(i)]!;
  return b;
}

export class EntrySlots {
  capacity = 0;
  /** Slot of the oldest entry and its id; `count` entries follow it. */
  head = 0;
  firstId = 1;
  count = 0;
  time = new Float64Array(0);
  /** Where the request's bytes start, counted from the ring's first write (`written`). */
  pos = new Float64Array(0);
  length = new Int32Array(0);
  /** Bytes charged against journal.maxBytes. */
  bytes = new Float64Array(0);
  port = new Uint16Array(0);
  key = new Int32Array(0);
  flags = new Uint8Array(0);
  transport = new Uint8Array(0);
  retransmissionOf = new Float64Array(0);
  retransmissions = new Int32Array(0);
  responsesDropped = new Int32Array(0);
  responseCount = new Uint8Array(0);
  /** First and last response slot, -1 for none. */
  firstResponse = new Int32Array(0);
  lastResponse = new Int32Array(0);
  method: (string | undefined)[] = [];
  address: string[] = [];
  rule: (string | undefined)[] = [];

  /** The slot holding entry `id`, or -1 when the journal no longer (or never) held it. */
  slotOf(id: number): number {
    const back = id - this.firstId;
    if (back < 0 || back >= this.count) return -1;
    const s = this.head + back;
    return s >= this.capacity ? s - this.capacity : s;
  }

  /** The id of the entry in slot `s` (one that is held). */
  idAt(s: number): number {
    return this.firstId + (s >= this.head ? s - this.head : s + this.capacity - this.head);
  }

  /** The id the next entry pushed gets: ids go on across reset(). */
  get nextId(): number {
    return this.firstId + this.count;
  }

  /** A slot for the next entry, `nextId` (the caller keeps within its bounds by evicting first). */
  push(): number {
    if (this.count === this.capacity) this.grow();
    const s = this.head + this.count;
    this.count++;
    return s >= this.capacity ? s - this.capacity : s;
  }

  /** Forget the oldest entry (its strings too, so nothing it referred to stays alive). */
  shift(): number {
    const s = this.head;
    this.method[s] = undefined;
    this.rule[s] = undefined;
    this.address[s] = '';
    this.head = s + 1 === this.capacity ? 0 : s + 1;
    this.firstId++;
    this.count--;
    return s;
  }

  reset(): void {
    this.firstId = this.nextId;
    this.head = 0;
    this.count = 0;
    this.method.fill(undefined);
    this.rule.fill(undefined);
    this.address.fill('');
  }

  private grow(): void {
    const n = Math.max(FIRST_CAPACITY, this.capacity * 2);
    const cap = this.capacity;
    // Unwrapped into arrival order, so the oldest is at slot 0 again.
    const order = (i: number) => (this.head + i) % cap;
    const f64 = (k: number) => new Float64Array(k);
    const i32 = (k: number) => new Int32Array(k);
    const u8 = (k: number) => new Uint8Array(k);
    this.time = grown(this.time, f64, n, order);
    this.pos = grown(this.pos, f64, n, order);
    this.length = grown(this.length, i32, n, order);
    this.bytes = grown(this.bytes, f64, n, order);
    this.port = grown(this.port, (k) => new Uint16Array(k), n, order);
    this.key = grown(this.key, i32, n, order);
    this.flags = grown(this.flags, u8, n, order);
    this.transport = grown(this.transport, u8, n, order);
    this.retransmissionOf = grown(this.retransmissionOf, f64, n, order);
    this.retransmissions = grown(this.retransmissions, i32, n, order);
    this.responsesDropped = grown(this.responsesDropped, i32, n, order);
    this.responseCount = grown(this.responseCount, u8, n, order);
    this.firstResponse = grown(this.firstResponse, i32, n, order);
    this.lastResponse = grown(this.lastResponse, i32, n, order);
    const strings = <T>(a: T[], empty: T): T[] => Array.from({ length: n }, (_, i) => (i < cap ? a[order(i)]! : empty));
    this.method = strings(this.method, undefined);
    this.address = strings(this.address, '');
    this.rule = strings(this.rule, undefined);
    this.head = 0;
    this.capacity = n;
  }
}

/** Responses: a free list of slots, each chained to the next response of the same entry. */
export class ResponseSlots {
  capacity = 0;
  time = new Float64Array(0);
  /** Where its bytes start, counted as EntrySlots.pos is. */
  pos = new Float64Array(0);
  length = new Int32Array(0);
  code = new Uint16Array(0);
  /** The same bytes sent again (§17.2.1 Timer G, or a resend for a retransmitted request). */
  again = new Uint8Array(0);
  /** Next response of the same entry, or the next free slot; -1 ends either list. */
  next = new Int32Array(0);
  private free = -1;

  take(): number {
    if (this.free < 0) this.grow();
    const r = this.free;
    this.free = this.next[r]!;
    this.next[r] = -1;
    return r;
  }

  /** Give back a chain of slots, from `first` along `next`. */
  release(first: number): void {
    let r = first;
    while (r >= 0) {
      const after = this.next[r]!;
      this.next[r] = this.free;
      this.free = r;
      r = after;
    }
  }

  /** Every slot free again (the journal was cleared). */
  reset(): void {
    const n = this.capacity;
    for (let r = 0; r < n; r++) this.next[r] = r + 1 < n ? r + 1 : -1;
    this.free = n > 0 ? 0 : -1;
  }

  private grow(): void {
    const n = Math.max(FIRST_CAPACITY, this.capacity * 2);
    this.time = grown(this.time, (k) => new Float64Array(k), n);
    this.pos = grown(this.pos, (k) => new Float64Array(k), n);
    this.length = grown(this.length, (k) => new Int32Array(k), n);
    this.code = grown(this.code, (k) => new Uint16Array(k), n);
    this.again = grown(this.again, (k) => new Uint8Array(k), n);
    this.next = grown(this.next, (k) => new Int32Array(k), n);
    // The new slots, first to last, become the free list.
    for (let r = this.capacity; r < n; r++) this.next[r] = r + 1 < n ? r + 1 : this.free;
    this.free = this.capacity;
    this.capacity = n;
  }
}
