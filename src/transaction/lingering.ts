/**
 * The passive end of server transactions, kept as compact records instead of live objects.
 *
 * After its final response a transaction only waits: an INVITE transaction in Confirmed absorbs
 * ACKs and retransmissions for T4 (Timer I, §17.2.1), a non-INVITE transaction in Completed
 * resends its final response to each retransmission for 64·T1 (Timer J, §17.2.2). Those waits are
 * most of a busy server's live transactions (rate × 5 s or × 32 s), and as objects — the state
 * machine, its deps and closures, its timer — each kept ~1.1 KB alive into V8's old generation:
 * measured, the collections copying them were the p99 tail of the load benchmark. Here a
 * transaction is one Map entry holding its deadline, its §8.2.2.2 merge key and, for a non-INVITE
 * one, the bytes it replays.
 *
 * Expiry is exact (a lookup after the deadline finds nothing); the memory is reclaimed by one
 * sweep timer per table, coarsened by `SWEEP_SLACK_MS` so that 20,000 entries a second do not
 * mean 20,000 timers.
 */
import type { Clock, TimerHandle } from './clock.js';
import { Fifo } from './fifo.js';

/** What a non-INVITE transaction in Completed resends, and how. */
export interface Replay {
  readonly bytes: Buffer;
  readonly send: (bytes: Buffer) => void;
}

/** What a lingering transaction does with a request that matches it. */
export type Lingering = 'absorb' | Replay;

interface Entry {
  readonly key: string;
  /** Deadline, in ms after the table's epoch (a small integer, not a boxed number). */
  readonly until: number;
  /** The transaction's §8.2.2.2 merge key, which the owner indexes until the entry goes. */
  readonly merge: string | undefined;
  readonly replay: Replay | undefined;
}

/** Memory is reclaimed at most this long after an entry's deadline (lookups honour it exactly). */
export const SWEEP_SLACK_MS = 200;

export class LingeringTransactions {
  /**
   * Every lingering transaction by key, both kinds in one Map: a new request misses here, and each
   * lookup in a table of rate × T4 entries was ~2% of the server's CPU under load; a Map per kind
   * made it two. (Most of that is V8 hashing the new key and the table missing the cache: a
   * filter that skipped the miss only moved the hashing to the insert; see bench/README.md.)
   */
  private readonly byKey = new Map<string, Entry>();
  /**
   * Each kind in insertion order, which is deadline order within a kind: confirmed INVITE
   * transactions all live T4, completed non-INVITE ones 64·T1. A reload that shortens T1 or T4
   * breaks the order for one lifetime: lookups stay exact, and the sweep frees the shorter-lived
   * entries when the longer-lived ones before them expire.
   */
  private readonly absorbing = new Fifo<Entry>(this.byKey, keyOfEntry);
  private readonly replaying = new Fifo<Entry>(this.byKey, keyOfEntry);
  private readonly epoch: number;
  private sweepTimer: TimerHandle | undefined;

  /** `onDrop`: told of every entry that goes, with its merge key, so the owner can unindex it. */
  constructor(
    private readonly clock: Clock,
    private readonly onDrop: (key: string, merge: string | undefined) => void = () => undefined,
  ) {
    this.epoch = clock.now();
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Absorb whatever matches `key` for `ms` (Timer I). */
  absorb(key: string, ms: number, merge: string | undefined): void {
    this.delete(key);
    this.add(this.absorbing, { key, until: this.deadline(ms), merge, replay: undefined });
  }

  /** Answer whatever matches `key` with the replay's bytes for `ms` (Timer J). */
  replay(key: string, ms: number, merge: string | undefined, replay: Replay): void {
    this.delete(key);
    this.add(this.replaying, { key, until: this.deadline(ms), merge, replay });
  }

  /** The lingering transaction `key` names, if its timer has not run out. */
  get(key: string): Lingering | undefined {
    const e = this.byKey.get(key);
    // Most lookups are new requests and miss: the clock is read only on a hit.
    if (e === undefined) return undefined;
    if (this.clock.now() - this.epoch < e.until) return e.replay ?? 'absorb';
    this.drop(e);
    return undefined;
  }

  delete(key: string): void {
    const e = this.byKey.get(key);
    if (e !== undefined) this.drop(e);
  }

  /** Drop the entry closest to its deadline (the table is full); false when there is none. */
  evictOne(): boolean {
    const a = this.absorbing.oldest();
    const r = this.replaying.oldest();
    const e = a !== undefined && (r === undefined || a.until <= r.until) ? a : r;
    if (e === undefined) return false;
    this.drop(e);
    return true;
  }

  clear(): void {
    this.byKey.clear();
    this.absorbing.clear();
    this.replaying.clear();
    if (this.sweepTimer !== undefined) this.clock.clearTimer(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  private add(lane: Fifo<Entry>, e: Entry): void {
    this.byKey.set(e.key, e);
    lane.push(e);
    this.armSweep();
  }

  private drop(e: Entry): void {
    this.byKey.delete(e.key);
    this.onDrop(e.key, e.merge);
  }

  private deadline(ms: number): number {
    return this.clock.now() - this.epoch + ms;
  }

  private armSweep(): void {
    if (this.sweepTimer !== undefined) return;
    const next = this.nextDeadline();
    if (next === undefined) return;
    const wait = Math.max(0, next - (this.clock.now() - this.epoch)) + SWEEP_SLACK_MS;
    this.sweepTimer = this.clock.setTimer(() => {
      this.sweepTimer = undefined;
      this.sweep(this.absorbing);
      this.sweep(this.replaying);
      this.armSweep();
    }, wait);
  }

  /** Remove expired entries from the front of a lane (in deadline order). */
  private sweep(lane: Fifo<Entry>): void {
    const now = this.clock.now() - this.epoch;
    for (let e = lane.oldest(); e !== undefined && e.until <= now; e = lane.oldest()) {
      lane.shift();
      this.drop(e);
    }
  }

  private nextDeadline(): number | undefined {
    const a = this.absorbing.oldest();
    const r = this.replaying.oldest();
    if (a === undefined) return r?.until;
    if (r === undefined) return a.until;
    return Math.min(a.until, r.until);
  }
}

function keyOfEntry(e: Entry): string {
  return e.key;
}
