/**
 * The server transactions, bounded: live ones as state machines, and those past their final
 * response that only absorb or replay (lingering.ts) as compact records. When full, the oldest
 * lingering record goes first, then the oldest live transaction: under a flood we lose
 * retransmission absorption for the oldest requests rather than memory without bound.
 *
 * Every request looks its key up here, and most requests add an entry and remove it a round trip
 * later, so the live part is an OpenHashMap (why not a Map: open-hash-map.ts) and the age order is
 * a list through the transactions themselves: unlinking is O(1) and keeps nothing dead reachable.
 */
import type { Clock } from './clock.js';
import { hashKey } from './key-hash.js';
import { LingeringTransactions, type Lingering, type Replay } from './lingering.js';
import { OpenHashMap } from './open-hash-map.js';
import type { ServerTransaction } from './server-transaction.js';

type AnyTx = ServerTransaction<string, unknown>;

export class TransactionTable<T extends AnyTx> {
  private readonly live = new OpenHashMap<T>();
  /** §8.2.2.2 merge key → the live transaction that holds it (lingering ones hold theirs in `passive`). */
  private readonly liveMerges = new OpenHashMap<T>();
  /** The live transactions oldest first, linked through `olderInTable` / `newerInTable`. */
  private oldestLive: AnyTx | undefined;
  private newestLive: AnyTx | undefined;
  private readonly passive: LingeringTransactions;
  evictions = 0;
  /**
   * The last key and merge key hashed, with their hashes: a request's key is looked up in the live
   * map and the lingering lanes, then inserted, and an ACK's again when its transaction retires.
   */
  private hashedKey = '';
  private keyHash = hashKey('');
  private hashedMerge = '';
  private mergeHash = hashKey('');

  constructor(
    private readonly max: number,
    clock: Clock,
  ) {
    this.passive = new LingeringTransactions(clock);
  }

  /** Live and lingering transactions. */
  get size(): number {
    return this.live.size + this.passive.size;
  }

  /** The live transaction with this key (lingering ones are found with `lingering`). */
  get(key: string): T | undefined {
    return this.live.get(key, this.hashOfKey(key));
  }

  /** The lingering transaction with this key: absorbs, or replays its final response. */
  lingering(key: string): Lingering | undefined {
    return this.passive.size === 0 ? undefined : this.passive.get(key, this.hashOfKey(key));
  }

  /** Whether a transaction, live or lingering, already holds this From tag + Call-ID + CSeq. */
  holdsMerge(mergeKey: string): boolean {
    const h = this.hashOfMerge(mergeKey);
    return (this.liveMerges.size > 0 && this.liveMerges.has(mergeKey, h)) || (this.passive.size > 0 && this.passive.holdsMerge(mergeKey, h));
  }

  /**
   * A new transaction, whose key the caller has looked up (`get`, `lingering`) and found in neither
   * part; `mergeKey` one that no transaction holds (`holdsMerge`), or undefined.
   */
  add(tx: T, mergeKey: string | undefined): void {
    while (this.size >= this.max) {
      this.evictions++;
      if (this.passive.evictOne()) continue;
      const oldest = this.oldestLive;
      if (oldest === undefined) break;
      oldest.terminate('evicted: transaction table full');
      this.remove(oldest.key); // terminate normally removes it; this covers a callback that did not
    }
    this.live.set(tx.key, tx, this.hashOfKey(tx.key));
    tx.olderInTable = this.newestLive;
    tx.newerInTable = undefined;
    if (this.newestLive === undefined) this.oldestLive = tx;
    else this.newestLive.newerInTable = tx;
    this.newestLive = tx;
    if (mergeKey !== undefined) {
      this.liveMerges.set(mergeKey, tx, this.hashOfMerge(mergeKey));
      tx.mergeKey = mergeKey;
    }
  }

  /**
   * The live transaction `key` hands the rest of its life to a compact record: it absorbs (INVITE
   * Confirmed, Timer I) or replays `bytes` (non-INVITE Completed, Timer J) for `ms`, and still
   * holds its merge key (§8.2.2.2: a merged request is checked against "ongoing transactions").
   */
  retire(key: string, ms: number, replay: Replay | undefined): void {
    const tx = this.take(key);
    if (tx === undefined) return;
    const merge = tx.mergeKey;
    const mergeHash = merge === undefined ? 0 : this.hashOfMerge(merge);
    if (replay === undefined) this.passive.absorb(key, ms, merge, this.hashOfKey(key), mergeHash);
    else this.passive.replay(key, ms, merge, replay, this.hashOfKey(key), mergeHash);
  }

  remove(key: string): void {
    this.take(key);
  }

  /** End every transaction (shutdown). */
  clear(): void {
    for (const tx of this.live.values()) tx.terminate('shutdown');
    this.live.clear();
    this.liveMerges.clear();
    this.oldestLive = undefined;
    this.newestLive = undefined;
    this.passive.clear();
  }

  /** The live transactions (a snapshot). */
  values(): T[] {
    return this.live.values();
  }

  /** Take a live transaction out of the map, the age list and the merge index. */
  private take(key: string): T | undefined {
    const tx = this.live.delete(key, this.hashOfKey(key));
    if (tx === undefined) return undefined;
    const { olderInTable: older, newerInTable: newer } = tx;
    if (older === undefined) this.oldestLive = newer;
    else older.newerInTable = newer;
    if (newer === undefined) this.newestLive = older;
    else newer.olderInTable = older;
    tx.olderInTable = undefined;
    tx.newerInTable = undefined;
    if (tx.mergeKey !== undefined) this.liveMerges.delete(tx.mergeKey, this.hashOfMerge(tx.mergeKey));
    return tx;
  }

  private hashOfKey(key: string): number {
    if (key !== this.hashedKey) {
      this.hashedKey = key;
      this.keyHash = hashKey(key);
    }
    return this.keyHash;
  }

  private hashOfMerge(merge: string): number {
    if (merge !== this.hashedMerge) {
      this.hashedMerge = merge;
      this.mergeHash = hashKey(merge);
    }
    return this.mergeHash;
  }
}
