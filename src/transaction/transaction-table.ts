/**
 * The live server transactions, bounded. When full, the oldest transaction is ended to make room:
 * under a flood we lose retransmission absorption for the oldest requests rather than memory
 * without bound. Entries leave the table when their transaction terminates (its timers end it).
 */
import type { ServerTransaction } from './server-transaction.js';

type AnyTx = ServerTransaction<string, unknown>;

export class TransactionTable<T extends AnyTx> {
  private readonly byKey = new Map<string, T>();
  /** mergeKey → transaction key, for §8.2.2.2; each transaction remembers its own merge key. */
  private readonly byMerge = new Map<string, string>();
  evictions = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): T | undefined {
    return this.byKey.get(key);
  }

  /** The transaction key already using this From tag + Call-ID + CSeq, if any. */
  keyForMerge(mergeKey: string): string | undefined {
    return this.byMerge.get(mergeKey);
  }

  add(tx: T, mergeKey: string | undefined): void {
    while (this.byKey.size >= this.max) {
      const oldest = this.byKey.values().next().value as T | undefined;
      if (oldest === undefined) break;
      this.evictions++;
      oldest.terminate('evicted: transaction table full');
      this.remove(oldest.key); // terminate normally removes it; this covers a callback that did not
    }
    this.byKey.set(tx.key, tx);
    if (mergeKey !== undefined && !this.byMerge.has(mergeKey)) {
      this.byMerge.set(mergeKey, tx.key);
      tx.mergeKey = mergeKey;
    }
  }

  remove(key: string): void {
    const tx = this.byKey.get(key);
    if (tx === undefined) return;
    this.byKey.delete(key);
    const m = tx.mergeKey;
    if (m !== undefined && this.byMerge.get(m) === key) this.byMerge.delete(m);
  }

  /** End every transaction (shutdown). */
  clear(): void {
    for (const tx of [...this.byKey.values()]) tx.terminate('shutdown');
    this.byKey.clear();
    this.byMerge.clear();
  }

  values(): IterableIterator<T> {
    return this.byKey.values();
  }
}
