/**
 * The server transactions, bounded: live ones as state machines, and those past their final
 * response that only absorb or replay (lingering.ts) as compact records. When full, the oldest
 * lingering record goes first, then the oldest live transaction: under a flood we lose
 * retransmission absorption for the oldest requests rather than memory without bound.
 */
import type { Clock } from './clock.js';
import { Fifo } from './fifo.js';
import { LingeringTransactions, type Lingering, type Replay } from './lingering.js';
import type { ServerTransaction } from './server-transaction.js';

type AnyTx = ServerTransaction<string, unknown>;

export class TransactionTable<T extends AnyTx> {
  private readonly byKey = new Map<string, T>();
  /** The live transactions oldest first, with some already gone (skipped when reached; see fifo.ts). */
  private readonly age = new Fifo<T>(this.byKey, (tx) => tx.key);
  /** mergeKey → transaction key, for §8.2.2.2; each transaction remembers its own merge key. */
  private readonly byMerge = new Map<string, string>();
  private readonly passive: LingeringTransactions;
  evictions = 0;

  constructor(
    private readonly max: number,
    clock: Clock,
  ) {
    // A merge key is indexed by the one transaction that held it when it started (`add`), and the
    // index entry goes when that transaction goes, so whoever drops an entry owns its merge key.
    this.passive = new LingeringTransactions(clock, (_key, merge) => {
      if (merge !== undefined) this.byMerge.delete(merge);
    });
  }

  /** Live and lingering transactions. */
  get size(): number {
    return this.byKey.size + this.passive.size;
  }

  /** The live transaction with this key (lingering ones are found with `lingering`). */
  get(key: string): T | undefined {
    return this.byKey.get(key);
  }

  /** The lingering transaction with this key: absorbs, or replays its final response. */
  lingering(key: string): Lingering | undefined {
    return this.passive.size === 0 ? undefined : this.passive.get(key);
  }

  /** The transaction key already using this From tag + Call-ID + CSeq, if any (live or lingering). */
  keyForMerge(mergeKey: string): string | undefined {
    const key = this.byMerge.get(mergeKey);
    if (key === undefined || this.byKey.has(key)) return key;
    // A lingering holder counts until its deadline; the lookup drops it (and this index entry) after.
    return this.passive.get(key) === undefined ? undefined : key;
  }

  /**
   * A new transaction, whose key the caller has looked up (`get`, `lingering`) and found in neither
   * part; `mergeKey` one that `keyForMerge` found no holder for, or undefined. Those lookups are
   * not repeated here: in tables of rate × T4 entries each one costs.
   */
  add(tx: T, mergeKey: string | undefined): void {
    while (this.size >= this.max) {
      this.evictions++;
      if (this.passive.evictOne()) continue;
      const oldest = this.age.oldest();
      if (oldest === undefined) break;
      oldest.terminate('evicted: transaction table full');
      this.remove(oldest.key); // terminate normally removes it; this covers a callback that did not
    }
    this.byKey.set(tx.key, tx);
    this.age.push(tx);
    if (mergeKey !== undefined) {
      this.byMerge.set(mergeKey, tx.key);
      tx.mergeKey = mergeKey;
    }
  }

  /**
   * The live transaction `key` hands the rest of its life to a compact record: it absorbs (INVITE
   * Confirmed, Timer I) or replays `bytes` (non-INVITE Completed, Timer J) for `ms`, and still
   * holds its merge key (§8.2.2.2: a merged request is checked against "ongoing transactions").
   */
  retire(key: string, ms: number, replay: Replay | undefined): void {
    const tx = this.byKey.get(key);
    if (tx === undefined) return;
    this.byKey.delete(key);
    // Its merge key (when it holds one) goes with it: the index entry is still its own.
    if (replay === undefined) this.passive.absorb(key, ms, tx.mergeKey);
    else this.passive.replay(key, ms, tx.mergeKey, replay);
  }

  remove(key: string): void {
    const tx = this.byKey.get(key);
    if (tx === undefined) return;
    this.byKey.delete(key);
    if (tx.mergeKey !== undefined) this.byMerge.delete(tx.mergeKey);
  }

  /** End every transaction (shutdown). */
  clear(): void {
    for (const tx of [...this.byKey.values()]) tx.terminate('shutdown');
    this.byKey.clear();
    this.byMerge.clear();
    this.age.clear();
    this.passive.clear();
  }

  /** The live transactions. */
  values(): IterableIterator<T> {
    return this.byKey.values();
  }
}
