/**
 * The passive end of server transactions, kept as compact records instead of live objects.
 *
 * After its final response a transaction only waits: an INVITE transaction in Confirmed absorbs
 * ACKs and retransmissions for T4 (Timer I, §17.2.1), a non-INVITE transaction in Completed
 * resends its final response to each retransmission for 64·T1 (Timer J, §17.2.2). Those waits are
 * most of a busy server's live transactions (rate × 5 s or × 32 s), and as objects — the state
 * machine, its deps and closures, its timer — each cost ~1.1 KB that survives into V8's old
 * generation: measured, the young-generation collections copying them were the p99 tail of the
 * load benchmark. Here an absorbing transaction is one Map entry holding a small integer, and a
 * replaying one an entry with its cached bytes.
 *
 * Expiry is exact (a lookup after the deadline finds nothing); the memory is reclaimed by one
 * sweep timer per table, coarsened by `SWEEP_SLACK_MS` so that 20,000 entries a second do not
 * mean 20,000 timers.
 */
import type { Clock, TimerHandle } from './clock.js';

/** A non-INVITE transaction in Completed: what it resends, and how. */
export interface Replay {
  readonly bytes: Buffer;
  readonly send: (bytes: Buffer) => void;
  /** Deadline, in ms after the table's epoch. */
  readonly until: number;
}

/** What a lingering transaction does with a request that matches it. */
export type Lingering = 'absorb' | Replay;

/** Memory is reclaimed at most this long after an entry's deadline (lookups honour it exactly). */
export const SWEEP_SLACK_MS = 200;

export class LingeringTransactions {
  /** key → deadline (ms after `epoch`): Confirmed INVITE transactions. Insertion order ≈ deadline order. */
  private readonly absorbing = new Map<string, number>();
  /** key → cached final response: Completed non-INVITE transactions. */
  private readonly replaying = new Map<string, Replay>();
  /** Deadlines are stored relative to this, so they stay small integers (no boxed number per entry). */
  private readonly epoch: number;
  private sweepTimer: TimerHandle | undefined;

  constructor(private readonly clock: Clock) {
    this.epoch = clock.now();
  }

  get size(): number {
    return this.absorbing.size + this.replaying.size;
  }

  /** Absorb whatever matches `key` for `ms` (Timer I). */
  absorb(key: string, ms: number): void {
    this.replaying.delete(key);
    this.absorbing.delete(key); // re-inserted at the end, keeping the insertion order by deadline
    this.absorbing.set(key, this.deadline(ms));
    this.armSweep();
  }

  /** Answer whatever matches `key` with `bytes` for `ms` (Timer J). */
  replay(key: string, ms: number, bytes: Buffer, send: (bytes: Buffer) => void): void {
    this.absorbing.delete(key);
    this.replaying.delete(key);
    this.replaying.set(key, { bytes, send, until: this.deadline(ms) });
    this.armSweep();
  }

  /** The lingering transaction `key` names, if its timer has not run out. */
  get(key: string): Lingering | undefined {
    // Most lookups are new requests and miss: the clock is read only on a hit.
    const until = this.absorbing.get(key);
    if (until !== undefined) {
      if (this.clock.now() - this.epoch < until) return 'absorb';
      this.absorbing.delete(key);
      return undefined;
    }
    const replay = this.replaying.get(key);
    if (replay === undefined) return undefined;
    if (this.clock.now() - this.epoch < replay.until) return replay;
    this.replaying.delete(key);
    return undefined;
  }

  delete(key: string): void {
    this.absorbing.delete(key);
    this.replaying.delete(key);
  }

  /** Drop the entry closest to its deadline (the table is full); false when there is none. */
  evictOne(): boolean {
    const a = firstEntry(this.absorbing);
    const r = firstEntry(this.replaying);
    if (a === undefined && r === undefined) return false;
    if (r === undefined || (a !== undefined && a[1] <= r[1].until)) this.absorbing.delete((a as [string, number])[0]);
    else this.replaying.delete(r[0]);
    return true;
  }

  clear(): void {
    this.absorbing.clear();
    this.replaying.clear();
    if (this.sweepTimer !== undefined) this.clock.clearTimer(this.sweepTimer);
    this.sweepTimer = undefined;
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
      this.sweep();
      this.armSweep();
    }, wait);
  }

  /** Remove expired entries from the front of each map (both are nearly in deadline order). */
  private sweep(): void {
    const now = this.clock.now() - this.epoch;
    for (const [key, until] of this.absorbing) {
      if (until > now) break;
      this.absorbing.delete(key);
    }
    for (const [key, replay] of this.replaying) {
      if (replay.until > now) break;
      this.replaying.delete(key);
    }
  }

  private nextDeadline(): number | undefined {
    const a = firstEntry(this.absorbing);
    const r = firstEntry(this.replaying);
    if (a === undefined) return r?.[1].until;
    if (r === undefined) return a[1];
    return Math.min(a[1], r[1].until);
  }
}

function firstEntry<V>(map: Map<string, V>): [string, V] | undefined {
  for (const e of map) return e;
  return undefined;
}
