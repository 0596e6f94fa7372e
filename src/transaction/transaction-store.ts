/**
 * The server transactions, one object each from its request until Terminated, in one bounded
 * store (docs/ARCHITECTURE.md, Transactions): by §17.2.3 key, by §8.2.2.2 merge key (From tag,
 * Call-ID, CSeq: a merged request is checked against "ongoing transactions", which includes those
 * absorbing or replaying after their final response), and oldest first for eviction. When full,
 * the oldest transaction is ended: under a flood we lose retransmission absorption for the oldest
 * requests rather than memory without bound.
 */
import { AgeList } from '../util/age-list.js';
import type { ServerTransaction } from './server-transaction.js';

type AnyTx = ServerTransaction<string, unknown>;

export interface TransactionStore<T extends AnyTx> {
  readonly size: number;
  /** Transactions ended to make room (`transactions.maxTransactions` reached). */
  readonly evictions: number;
  get(key: string): T | undefined;
  /** Whether a stored transaction holds this merge key. */
  holdsMerge(mergeKey: string): boolean;
  /** A new transaction, whose key is not stored; it holds `mergeKey` unless that is undefined. */
  put(tx: T, mergeKey: string | undefined): void;
  delete(key: string): void;
  values(): IterableIterator<T>;
  /** End every transaction (shutdown). */
  clear(): void;
}

/**
 * Plain Maps for the keys; the age order is an AgeList through the transactions, not the key Map's
 * own insertion order (why, measured: util/age-list.ts).
 */
export class MapTransactionStore<T extends AnyTx> implements TransactionStore<T> {
  private readonly byKey = new Map<string, T>();
  private readonly byMerge = new Map<string, T>();
  private readonly age = new AgeList<AnyTx>();
  evictions = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): T | undefined {
    return this.byKey.get(key);
  }

  holdsMerge(mergeKey: string): boolean {
    return this.byMerge.has(mergeKey);
  }

  put(tx: T, mergeKey: string | undefined): void {
    for (let oldest = this.age.oldest; this.byKey.size >= this.max && oldest !== undefined; oldest = this.age.oldest) {
      this.evictions++;
      oldest.terminate('evicted: transaction table full');
      this.delete(oldest.key); // terminate normally deletes it; this covers a callback that did not
    }
    this.byKey.set(tx.key, tx);
    this.age.push(tx);
    if (mergeKey !== undefined) {
      this.byMerge.set(mergeKey, tx);
      tx.mergeKey = mergeKey;
    }
  }

  delete(key: string): void {
    const tx = this.byKey.get(key);
    if (tx === undefined) return;
    this.byKey.delete(key);
    this.age.remove(tx);
    if (tx.mergeKey !== undefined && this.byMerge.get(tx.mergeKey) === tx) this.byMerge.delete(tx.mergeKey);
    tx.mergeKey = undefined;
  }

  values(): IterableIterator<T> {
    return this.byKey.values();
  }

  clear(): void {
    for (const tx of [...this.byKey.values()]) tx.terminate('shutdown');
    this.byKey.clear();
    this.byMerge.clear();
    this.age.clear();
  }
}
