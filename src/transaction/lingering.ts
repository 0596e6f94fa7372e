/**
 * The passive end of server transactions, kept as compact records instead of live objects.
 *
 * After its final response a transaction only waits: an INVITE transaction in Confirmed absorbs
 * ACKs and retransmissions for T4 (Timer I, §17.2.1), a non-INVITE transaction in Completed
 * resends its final response to each retransmission for 64·T1 (Timer J, §17.2.2). Those waits are
 * most of a busy server's transactions (rate × 5 s or × 32 s), so they are records in two lanes
 * off the JS heap (lingering-lane.ts: why, measured): one per lifetime, so each lane is in
 * deadline order. A record keeps its deadline, its §8.2.2.2 merge key (a merged request is checked
 * against it until the deadline) and, for a non-INVITE one, the response it replays and where to.
 *
 * Expiry is exact (a lookup after the deadline finds nothing); the memory is reclaimed by one
 * sweep timer, coarsened by `SWEEP_SLACK_MS` so that 20,000 records a second do not mean 20,000
 * timers.
 */
import type { Clock, TimerHandle } from './clock.js';
import { NO_ID } from './id-index.js';
import { hashKey } from './key-hash.js';
import { LingeringLane } from './lingering-lane.js';

export interface Destination {
  readonly address: string;
  readonly port: number;
}

/** Sends bytes to a destination: a transport's send (flow.ts), shared by all its messages. */
export type Sender = (data: Buffer, to: Destination) => void;

/** What a non-INVITE transaction in Completed resends, where to, and how. */
export interface Replay {
  readonly bytes: Buffer;
  readonly send: Sender;
  readonly to: Destination;
}

/** What a lingering transaction does with a request that matches it. */
export type Lingering = 'absorb' | Replay;

/** Memory is reclaimed at most this long after a record's deadline (lookups honour it exactly). */
export const SWEEP_SLACK_MS = 200;

export class LingeringTransactions {
  /**
   * One lane per lifetime, so that insertion order is deadline order within a lane: confirmed
   * INVITE transactions all live T4, completed non-INVITE ones 64·T1. A reload that shortens T1 or
   * T4 breaks the order for one lifetime: lookups stay exact, and the sweep frees the
   * shorter-lived records when the longer-lived ones before them expire.
   */
  private readonly absorbing = new LingeringLane();
  private readonly replaying = new LingeringLane();
  private readonly lanes = [this.absorbing, this.replaying] as const;
  /**
   * The senders replaying records use, by id, with the number of records using each: records are
   * bytes, so they name their sender by number. A UDP transport has one sender for all its
   * datagrams, so this holds one or two.
   */
  private readonly senders: (Sender | undefined)[] = [];
  private readonly senderUses: number[] = [];
  private readonly senderIds = new Map<Sender, number>();
  private readonly epoch: number;
  private sweepTimer: TimerHandle | undefined;
  /** When the armed sweep runs, in the table's time. */
  private sweepAt = 0;

  constructor(private readonly clock: Clock) {
    this.epoch = clock.now();
  }

  get size(): number {
    return this.absorbing.size + this.replaying.size;
  }

  /** Absorb whatever matches `key` for `ms` (Timer I). */
  absorb(key: string, ms: number, merge: string | undefined, keyHash = hashKey(key), mergeHash = merge === undefined ? 0 : hashKey(merge)): void {
    this.delete(key, keyHash);
    this.absorbing.add(key, keyHash, this.deadline(ms), merge, mergeHash, undefined);
    this.armSweep();
  }

  /** Answer whatever matches `key` with the replay's bytes for `ms` (Timer J). */
  replay(key: string, ms: number, merge: string | undefined, replay: Replay, keyHash = hashKey(key), mergeHash = merge === undefined ? 0 : hashKey(merge)): void {
    this.delete(key, keyHash);
    const sender = this.useSender(replay.send);
    this.replaying.add(key, keyHash, this.deadline(ms), merge, mergeHash, { bytes: replay.bytes, address: replay.to.address, port: replay.to.port, sender });
    this.armSweep();
  }

  /** The lingering transaction `key` names, if its timer has not run out. */
  get(key: string, keyHash = hashKey(key)): Lingering | undefined {
    // Most lookups are new requests and miss both lanes: the clock is read only on a hit.
    const a = this.absorbing.find(key, keyHash);
    if (a !== NO_ID) return this.live(this.absorbing, a) ? 'absorb' : undefined;
    const r = this.replaying.find(key, keyHash);
    if (r === NO_ID || !this.live(this.replaying, r)) return undefined;
    const stored = this.replaying.replayOf(r);
    if (stored === undefined) return undefined;
    return { bytes: stored.bytes, send: this.senders[stored.sender] as Sender, to: { address: stored.address, port: stored.port } };
  }

  /** Whether a lingering transaction holds this merge key (§8.2.2.2) and its timer has not run out. */
  holdsMerge(merge: string, mergeHash = hashKey(merge)): boolean {
    for (const lane of this.lanes) {
      for (let id = lane.findMerge(merge, mergeHash); id !== NO_ID; id = lane.findMerge(merge, mergeHash)) {
        if (this.live(lane, id)) return true;
      }
    }
    return false;
  }

  delete(key: string, keyHash = hashKey(key)): void {
    for (const lane of this.lanes) {
      const id = lane.find(key, keyHash);
      if (id !== NO_ID) this.drop(lane, id);
    }
  }

  /** Drop the record closest to its deadline (the table is full); false when there is none. */
  evictOne(): boolean {
    const lane = this.laneDueFirst();
    if (lane === undefined) return false;
    this.drop(lane, lane.oldest());
    return true;
  }

  clear(): void {
    this.absorbing.clear();
    this.replaying.clear();
    this.senders.length = 0;
    this.senderUses.length = 0;
    this.senderIds.clear();
    if (this.sweepTimer !== undefined) this.clock.clearTimer(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /** True while the record's deadline is ahead; a record found past it is dropped. */
  private live(lane: LingeringLane, id: number): boolean {
    if (this.now() < lane.until(id)) return true;
    this.drop(lane, id);
    return false;
  }

  private drop(lane: LingeringLane, id: number): void {
    const sender = lane.drop(id);
    if (sender === -1) return;
    const uses = (this.senderUses[sender] as number) - 1;
    this.senderUses[sender] = uses;
    if (uses === 0) {
      this.senderIds.delete(this.senders[sender] as Sender);
      this.senders[sender] = undefined;
    }
  }

  private useSender(send: Sender): number {
    let id = this.senderIds.get(send);
    if (id === undefined) {
      id = this.senders.indexOf(undefined);
      if (id === -1) id = this.senders.length;
      this.senders[id] = send;
      this.senderUses[id] = 0;
      this.senderIds.set(send, id);
    }
    this.senderUses[id] = (this.senderUses[id] as number) + 1;
    return id;
  }

  private now(): number {
    return this.clock.now() - this.epoch;
  }

  private deadline(ms: number): number {
    return this.now() + ms;
  }

  /** Have the sweep run at the earliest deadline plus the slack: arm it, or bring it forward. */
  private armSweep(): void {
    const next = this.nextDeadline();
    if (next === undefined) return;
    const at = next + SWEEP_SLACK_MS;
    if (this.sweepTimer !== undefined) {
      // A record of the shorter-lived lane can come after the timer was armed for the other lane.
      if (this.sweepAt <= at) return;
      this.clock.clearTimer(this.sweepTimer);
    }
    this.sweepAt = at;
    this.sweepTimer = this.clock.setTimer(() => {
      this.sweepTimer = undefined;
      this.sweep(this.absorbing);
      this.sweep(this.replaying);
      this.armSweep();
    }, Math.max(0, at - this.now()));
  }

  /** Remove expired records from the front of a lane (in deadline order). */
  private sweep(lane: LingeringLane): void {
    const now = this.now();
    for (let id = lane.oldest(); id !== NO_ID && lane.until(id) <= now; id = lane.oldest()) this.drop(lane, id);
  }

  private nextDeadline(): number | undefined {
    const lane = this.laneDueFirst();
    return lane === undefined ? undefined : lane.until(lane.oldest());
  }

  /** The lane whose oldest record has the nearer deadline; undefined when both are empty. */
  private laneDueFirst(): LingeringLane | undefined {
    const a = this.absorbing.oldest();
    const r = this.replaying.oldest();
    if (a === NO_ID) return r === NO_ID ? undefined : this.replaying;
    if (r === NO_ID) return this.absorbing;
    return this.absorbing.until(a) <= this.replaying.until(r) ? this.absorbing : this.replaying;
  }
}
