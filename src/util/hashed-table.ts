/**
 * A set of strings kept only as seeded 64-bit hashes in typed arrays, each held either by a live
 * object (`addObject`, `removeObject`) or by a record: a string and an optional second with a due
 * time and no object, oldest first (`toRecord`, `expire`). The transaction store keeps its
 * transactions' keys here and its Confirmed INVITE transactions as records; why not a Map, and why
 * records, measured: docs/ARCHITECTURE.md, Transactions.
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

/** Bytes a record costs: its ring slot and due time (24 B), two table slots of 12 B at ≤ 50 % load. */
export const RECORD_BYTES = 72;

const EMPTY = 0;
/** Strings the table holds before it first grows, and again once emptied. */
const SMALL = 256;

export class HashedTable<T extends object> {
  /** Open addressing, linear probing: lane 1 picks the slot; lane 2 is odd, so 0 marks a free slot. */
  private lane1 = new Int32Array(4 * SMALL);
  private lane2 = new Int32Array(4 * SMALL);
  /** The object holding each slot's string; undefined for a record's. Long-lived, cleared on removal. */
  private objs: (T | undefined)[] = new Array<T | undefined>(4 * SMALL).fill(undefined);
  private mask = 4 * SMALL - 1;
  private used = 0;
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
    if (this.used === 0) return undefined;
    this.hash(s);
    const i = this.slot(this.h1, this.h2);
    return i < 0 ? undefined : (this.objs[i] ?? null);
  }

  /** Hold `a` (and `b`) for `obj`; neither may be held already. */
  addObject(obj: T, a: string, b: string | undefined): void {
    if (2 * (this.used + 2) > this.lane1.length) this.growTable();
    this.hash(a);
    this.insert(this.h1, this.h2, obj);
    if (b === undefined) return;
    this.hash(b);
    this.insert(this.h1, this.h2, obj);
  }

  /** Let go of `a` (and `b`), held by an object. */
  removeObject(a: string, b: string | undefined): void {
    this.hash(a);
    this.remove(this.h1, this.h2);
    if (b !== undefined) {
      this.hash(b);
      this.remove(this.h1, this.h2);
    }
    this.shrinkIfEmpty();
  }

  /** `a` (and `b`), held by an object, become a record due at `dueAt`; the object is let go. */
  toRecord(a: string, b: string | undefined, dueAt: number): void {
    if (this.count === this.due.length) this.growRing();
    const at = (this.head + this.count) % this.due.length;
    this.hash(a);
    this.ring[4 * at] = this.h1;
    this.ring[4 * at + 1] = this.h2;
    this.release(this.h1, this.h2);
    if (b === undefined) {
      this.ring[4 * at + 3] = EMPTY;
    } else {
      this.hash(b);
      this.ring[4 * at + 2] = this.h1;
      this.ring[4 * at + 3] = this.h2;
      this.release(this.h1, this.h2);
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
    this.remove(this.ring[at] as number, this.ring[at + 1] as number);
    if (this.ring[at + 3] !== EMPTY) this.remove(this.ring[at + 2] as number, this.ring[at + 3] as number);
    this.head = (this.head + 1) % this.due.length;
    this.count--;
    this.shrinkIfEmpty();
  }

  clear(): void {
    this.lane1 = new Int32Array(4 * SMALL);
    this.lane2 = new Int32Array(4 * SMALL);
    this.objs = new Array<T | undefined>(4 * SMALL).fill(undefined);
    this.mask = 4 * SMALL - 1;
    this.ring = new Int32Array(4 * SMALL);
    this.due = new Float64Array(SMALL);
    this.used = 0;
    this.head = 0;
    this.count = 0;
  }

  /** Once a flood has drained, give its arrays back. */
  private shrinkIfEmpty(): void {
    if (this.used === 0 && (this.lane1.length > 4 * SMALL || this.due.length > SMALL)) this.clear();
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

  private slot(h1: number, h2: number): number {
    for (let i = h1 & this.mask; ; i = (i + 1) & this.mask) {
      const l2 = this.lane2[i];
      if (l2 === EMPTY) return -1;
      if (l2 === h2 && this.lane1[i] === h1) return i;
    }
  }

  private insert(h1: number, h2: number, obj: T | undefined): void {
    let i = h1 & this.mask;
    while (this.lane2[i] !== EMPTY) i = (i + 1) & this.mask;
    this.lane1[i] = h1;
    this.lane2[i] = h2;
    this.objs[i] = obj;
    this.used++;
  }

  private release(h1: number, h2: number): void {
    const i = this.slot(h1, h2);
    if (i >= 0) this.objs[i] = undefined;
  }

  /** Backward-shift deletion: the chain stays unbroken without tombstones. */
  private remove(h1: number, h2: number): void {
    let hole = this.slot(h1, h2);
    if (hole < 0) return;
    this.used--;
    for (let i = (hole + 1) & this.mask; this.lane2[i] !== EMPTY; i = (i + 1) & this.mask) {
      const home = (this.lane1[i] as number) & this.mask;
      // Move entry i into the hole unless its home lies cyclically in (hole, i].
      if (((i - home) & this.mask) >= ((i - hole) & this.mask)) {
        this.lane1[hole] = this.lane1[i] as number;
        this.lane2[hole] = this.lane2[i] as number;
        this.objs[hole] = this.objs[i];
        hole = i;
      }
    }
    this.lane1[hole] = 0;
    this.lane2[hole] = EMPTY;
    this.objs[hole] = undefined;
  }

  private growTable(): void {
    const old1 = this.lane1;
    const old2 = this.lane2;
    const oldObjs = this.objs;
    this.lane1 = new Int32Array(old1.length * 2);
    this.lane2 = new Int32Array(old1.length * 2);
    this.objs = new Array<T | undefined>(old1.length * 2).fill(undefined);
    this.mask = this.lane1.length - 1;
    this.used = 0;
    for (let i = 0; i < old2.length; i++) if (old2[i] !== EMPTY) this.insert(old1[i] as number, old2[i] as number, oldObjs[i]);
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
