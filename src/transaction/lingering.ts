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

/** What a non-INVITE transaction in Completed resends, and how. */
export interface Replay {
  readonly bytes: Buffer;
  readonly send: (bytes: Buffer) => void;
}

/** What a lingering transaction does with a request that matches it. */
export type Lingering = 'absorb' | Replay;

interface Entry {
  /** Deadline, in ms after the table's epoch (a small integer, not a boxed number). */
  readonly until: number;
  /** The transaction's §8.2.2.2 merge key, which the owner indexes until the entry goes. */
  readonly merge: string | undefined;
  readonly replay: Replay | undefined;
}

/** Memory is reclaimed at most this long after an entry's deadline (lookups honour it exactly). */
export const SWEEP_SLACK_MS = 200;

export class LingeringTransactions {
  /** Confirmed INVITE transactions; insertion order ≈ deadline order (they all live T4). */
  private readonly absorbing = new Map<string, Entry>();
  /** Completed non-INVITE transactions; insertion order ≈ deadline order (they all live 64·T1). */
  private readonly replaying = new Map<string, Entry>();
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
    return this.absorbing.size + this.replaying.size;
  }

  /** Absorb whatever matches `key` for `ms` (Timer I). */
  absorb(key: string, ms: number, merge: string | undefined): void {
    this.delete(key);
    this.absorbing.set(key, { until: this.deadline(ms), merge, replay: undefined });
    this.armSweep();
  }

  /** Answer whatever matches `key` with the replay's bytes for `ms` (Timer J). */
  replay(key: string, ms: number, merge: string | undefined, replay: Replay): void {
    this.delete(key);
    this.replaying.set(key, { until: this.deadline(ms), merge, replay });
    this.armSweep();
  }

  /** The lingering transaction `key` names, if its timer has not run out. */
  get(key: string): Lingering | undefined {
    // Most lookups are new requests and miss: the clock is read only on a hit.
    let map = this.absorbing;
    let e = map.get(key);
    if (e === undefined) {
      map = this.replaying;
      e = map.get(key);
      if (e === undefined) return undefined;
    }
    if (this.clock.now() - this.epoch < e.until) return e.replay ?? 'absorb';
    this.drop(map, key, e);
    return undefined;
  }

  delete(key: string): void {
    const a = this.absorbing.get(key);
    if (a !== undefined) this.drop(this.absorbing, key, a);
    const r = this.replaying.get(key);
    if (r !== undefined) this.drop(this.replaying, key, r);
  }

  /** Drop the entry closest to its deadline (the table is full); false when there is none. */
  evictOne(): boolean {
    const a = firstEntry(this.absorbing);
    const r = firstEntry(this.replaying);
    if (a === undefined && r === undefined) return false;
    if (r === undefined || (a !== undefined && a[1].until <= r[1].until)) {
      const [key, e] = a as [string, Entry];
      this.drop(this.absorbing, key, e);
    } else {
      this.drop(this.replaying, r[0], r[1]);
    }
    return true;
  }

  clear(): void {
    this.absorbing.clear();
    this.replaying.clear();
    if (this.sweepTimer !== undefined) this.clock.clearTimer(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  private drop(map: Map<string, Entry>, key: string, e: Entry): void {
    map.delete(key);
    this.onDrop(key, e.merge);
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

  /** Remove expired entries from the front of a map (kept nearly in deadline order). */
  private sweep(map: Map<string, Entry>): void {
    const now = this.clock.now() - this.epoch;
    for (const [key, e] of map) {
      if (e.until > now) break;
      this.drop(map, key, e);
    }
  }

  private nextDeadline(): number | undefined {
    const a = firstEntry(this.absorbing);
    const r = firstEntry(this.replaying);
    if (a === undefined) return r?.[1].until;
    if (r === undefined) return a[1].until;
    return Math.min(a[1].until, r[1].until);
  }
}

function firstEntry<V>(map: Map<string, V>): [string, V] | undefined {
  for (const e of map) return e;
  return undefined;
}
