/**
 * A set of strings kept only as seeded 64-bit hashes in typed arrays, each held either by a live
 * object (`addObject`, `removeObject`) or by a record: a string and an optional second with a due
 * time and no object, oldest first (`toRecord`, `expire`). The transaction store keeps its
 * transactions' keys here and its Confirmed INVITE transactions as records; why not a Map, and why
 * records, measured: docs/ARCHITECTURE.md, Transactions.
 *
 * The objects' strings and the records' are in two tables of the same kind. The objects' is as
 * small as live transactions are few, so it stays in the processor's cache; a string it does not
 * hold is looked for among the records, whose table is larger than the cache and has no object
 * array beside it to touch (measured: docs/ARCHITECTURE.md, Transactions).
 *
 * Membership is by hash: two different strings answer the same only when both 32-bit lanes of
 * their hashes collide — about n / 2^64 per look-up for n strings. The seeds are random per
 * process, so a sender cannot choose strings that collide or that crowd one probe chain.
 *
 * Records leave in the order they were made (`expire`, `dropOldest`): callers make them with due
 * times that do not decrease, and a record due earlier than an older one waits for it.
 */
import { randomBytes } from 'node:crypto';
import { absorb, fmix } from './mix.js';

/** Bytes a record costs: its ring slot and due time (24 B), two table slots of 8 B at ≤ 50 % load. */
export const RECORD_BYTES = 56;

const EMPTY = 0;
/** Records the ring holds before it first grows, and again once emptied. */
const SMALL = 256;
/** Slots of a table before it first grows, and again once emptied: SMALL records' two strings at ≤ 50 % load. */
const SMALL_SLOTS = 4 * SMALL;

/**
 * Open addressing with linear probing over (lane 1, lane 2) pairs, at most half full: lane 1 picks
 * the slot; lane 2 is odd, so 0 marks a free one. `objs`, when kept, holds each slot's object.
 */
class Slots<T> {
  readonly lane1: Int32Array;
  readonly lane2: Int32Array;
  readonly objs: (T | undefined)[] | undefined;
  readonly mask: number;
  used = 0;

  constructor(size: number, withObjects: boolean) {
    this.lane1 = new Int32Array(size);
    this.lane2 = new Int32Array(size);
    this.objs = withObjects ? new Array<T | undefined>(size).fill(undefined) : undefined;
    this.mask = size - 1;
  }

  get roomy(): boolean {
    return 2 * (this.used + 1) <= this.lane1.length;
  }

  /** Twice the size, holding what this holds. */
  grown(): Slots<T> {
    const next = new Slots<T>(2 * this.lane1.length, this.objs !== undefined);
    for (let i = 0; i < this.lane2.length; i++) {
      if (this.lane2[i] !== EMPTY) next.insert(this.lane1[i] as number, this.lane2[i] as number, this.objs?.[i]);
    }
    return next;
  }

  find(h1: number, h2: number): number {
    for (let i = h1 & this.mask; ; i = (i + 1) & this.mask) {
      const l2 = this.lane2[i];
      if (l2 === EMPTY) return -1;
      if (l2 === h2 && this.lane1[i] === h1) return i;
    }
  }

  insert(h1: number, h2: number, obj: T | undefined): void {
    let i = h1 & this.mask;
    while (this.lane2[i] !== EMPTY) i = (i + 1) & this.mask;
    this.lane1[i] = h1;
    this.lane2[i] = h2;
    if (this.objs !== undefined) this.objs[i] = obj;
    this.used++;
  }

  /** Backward-shift deletion: the chain stays unbroken without tombstones. */
  remove(h1: number, h2: number): void {
    let hole = this.find(h1, h2);
    if (hole < 0) return;
    this.used--;
    const { lane1, lane2, objs, mask } = this;
    for (let i = (hole + 1) & mask; lane2[i] !== EMPTY; i = (i + 1) & mask) {
      const home = (lane1[i] as number) & mask;
      // Move entry i into the hole unless its home lies cyclically in (hole, i].
      if (((i - home) & mask) >= ((i - hole) & mask)) {
        lane1[hole] = lane1[i] as number;
        lane2[hole] = lane2[i] as number;
        if (objs !== undefined) objs[hole] = objs[i];
        hole = i;
      }
    }
    lane1[hole] = 0;
    lane2[hole] = EMPTY;
    if (objs !== undefined) objs[hole] = undefined;
  }
}

/** The records' table, as it starts and once emptied: strings only, no object array. */
function emptyHeld(): Slots<never> {
  return new Slots<never>(SMALL_SLOTS, false);
}

export class HashedTable<T extends object> {
  /** The strings held by objects. */
  private live = this.emptyLive();
  /** The strings held by records. */
  private held = emptyHeld();
  /** The ring of records, oldest at `head`: four hash words each (second string's 0 when absent). */
  private ring = new Int32Array(4 * SMALL);
  private due = new Float64Array(SMALL);
  private head = 0;
  private count = 0;
  private readonly lanes = new Int32Array(2);
  private h1 = 0;
  private h2 = 0;
  /**
   * The last two strings hashed and their lanes (`memoLanes` 0–1 for `memo0`, 2–3 for `memo1`): a
   * request's key is looked up, then stored; a merge key likewise.
   */
  private memo0 = '';
  private memo1 = '';
  private readonly memoLanes = new Int32Array(4);
  private readonly seed1: number;
  private readonly seed2: number;

  constructor(seed: Buffer = randomBytes(8)) {
    this.seed1 = seed.readInt32LE(0);
    this.seed2 = seed.readInt32LE(4);
  }

  /** Records held (objects are counted by their owner). */
  get records(): number {
    return this.count;
  }

  /** When the oldest record is due; -1 when there is none. */
  get nextDue(): number {
    return this.count === 0 ? -1 : (this.due[this.head] as number);
  }

  /** The object holding `s`; `null` when a record holds it; undefined when nothing does. */
  find(s: string): T | null | undefined {
    if (this.live.used === 0 && this.held.used === 0) return undefined;
    this.hash(s);
    const i = this.live.find(this.h1, this.h2);
    if (i >= 0) return (this.live.objs as T[])[i];
    return this.held.find(this.h1, this.h2) >= 0 ? null : undefined;
  }

  /** Hold `a` (and `b`) for `obj`; neither may be held already. */
  addObject(obj: T, a: string, b: string | undefined): void {
    this.hash(a);
    this.insertLive(obj);
    if (b === undefined) return;
    this.hash(b);
    this.insertLive(obj);
  }

  /** Let go of `a` (and `b`), held by an object. */
  removeObject(a: string, b: string | undefined): void {
    this.hash(a);
    this.live.remove(this.h1, this.h2);
    if (b !== undefined) {
      this.hash(b);
      this.live.remove(this.h1, this.h2);
    }
    if (this.live.used === 0 && this.live.lane1.length > SMALL_SLOTS) this.live = this.emptyLive();
  }

  /** `a` (and `b`), held by an object, become a record due at `dueAt`; the object is let go. */
  toRecord(a: string, b: string | undefined, dueAt: number): void {
    if (this.count === this.due.length) this.growRing();
    const at = (this.head + this.count) % this.due.length;
    this.hash(a);
    this.ring[4 * at] = this.h1;
    this.ring[4 * at + 1] = this.h2;
    this.moveToRecords();
    if (b === undefined) {
      this.ring[4 * at + 3] = EMPTY;
    } else {
      this.hash(b);
      this.ring[4 * at + 2] = this.h1;
      this.ring[4 * at + 3] = this.h2;
      this.moveToRecords();
    }
    this.due[at] = dueAt;
    this.count++;
  }

  /** Drop every record due at or before `now`, oldest first; returns how many. */
  expire(now: number): number {
    let n = 0;
    while (this.count > 0 && (this.due[this.head] as number) <= now) {
      this.dropOldest();
      n++;
    }
    return n;
  }

  dropOldest(): void {
    if (this.count === 0) return;
    const at = 4 * this.head;
    this.held.remove(this.ring[at] as number, this.ring[at + 1] as number);
    if (this.ring[at + 3] !== EMPTY) this.held.remove(this.ring[at + 2] as number, this.ring[at + 3] as number);
    this.head = (this.head + 1) % this.due.length;
    this.count--;
    // Once a flood has drained, give its arrays back.
    if (this.count === 0 && this.due.length > SMALL) this.clearRecords();
  }

  clear(): void {
    this.live = this.emptyLive();
    this.clearRecords();
  }

  private emptyLive(): Slots<T> {
    return new Slots<T>(SMALL_SLOTS, true);
  }

  private clearRecords(): void {
    this.held = emptyHeld();
    this.ring = new Int32Array(4 * SMALL);
    this.due = new Float64Array(SMALL);
    this.head = 0;
    this.count = 0;
  }

  private insertLive(obj: T): void {
    if (!this.live.roomy) this.live = this.live.grown();
    this.live.insert(this.h1, this.h2, obj);
  }

  /** The string last hashed leaves the objects' table for the records'. */
  private moveToRecords(): void {
    this.live.remove(this.h1, this.h2);
    if (!this.held.roomy) this.held = this.held.grown();
    this.held.insert(this.h1, this.h2, undefined);
  }

  /** The seeded two-lane hash of util/mix.ts, finished with the length and fmix; lane 2 made odd. */
  private hash(s: string): void {
    const m = this.memoLanes;
    if (s === this.memo0) {
      this.h1 = m[0] as number;
      this.h2 = m[1] as number;
      return;
    }
    if (s === this.memo1) {
      this.h1 = m[2] as number;
      this.h2 = m[3] as number;
      return;
    }
    const lanes = this.lanes;
    lanes[0] = this.seed1;
    lanes[1] = this.seed2;
    absorb(lanes, s);
    this.h1 = fmix((lanes[0] as number) ^ s.length);
    this.h2 = fmix((lanes[1] as number) ^ Math.imul(s.length, 0x9e3779b1)) | 1;
    this.memo1 = this.memo0;
    m[2] = m[0] as number;
    m[3] = m[1] as number;
    this.memo0 = s;
    m[0] = this.h1;
    m[1] = this.h2;
  }

  private growRing(): void {
    const cap = this.due.length;
    const ring = new Int32Array(8 * cap);
    const due = new Float64Array(2 * cap);
    for (let k = 0; k < this.count; k++) {
      const from = (this.head + k) % cap;
      ring.set(this.ring.subarray(4 * from, 4 * from + 4), 4 * k);
      due[k] = this.due[from] as number;
    }
    this.ring = ring;
    this.due = due;
    this.head = 0;
  }
}
