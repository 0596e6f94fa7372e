/**
 * The server transactions in one store bounded by count and bytes (docs/ARCHITECTURE.md,
 * Transactions): by §17.2.3 key, by §8.2.2.2 merge key (a merged request is checked against
 * "ongoing transactions", those absorbing or resending after their final response included), and
 * oldest first for eviction.
 */
import { AgeList } from '../util/age-list.js';
import { Deadline, type Deadlines } from '../util/deadlines.js';
import { HashedTable, RECORD_BYTES } from '../util/hashed-table.js';
import type { ServerTransaction } from './server-transaction.js';

type AnyTx = ServerTransaction<string, unknown>;

/**
 * What a stored transaction costs beyond the bytes of its strings and buffers: the object, its
 * two table slots, its heap entry and a Buffer header (measured with process.memoryUsage on Node 20:
 * ~450 B per empty INVITE transaction).
 */
export const TX_OVERHEAD_BYTES = 512;

/**
 * What `get` returns for an INVITE transaction in Confirmed (§17.2.1) kept as a record: it
 * absorbs the ACK or INVITE that matched it and sends nothing; a CANCEL that matches it changes
 * nothing (§9.2).
 */
export const CONFIRMED = 'confirmed';

export interface TransactionStore<T extends AnyTx> {
  /** Transactions stored, live objects and Confirmed records. */
  readonly size: number;
  /** Bytes charged for the stored transactions (`limits.memory.transactionsBytes` bounds it). */
  readonly bytes: number;
  /** Transactions ended to make room (`transactions.maxTransactions` or the byte budget reached). */
  readonly evictions: number;
  get(key: string): T | typeof CONFIRMED | undefined;
  /** Whether a stored transaction holds this merge key. */
  holdsMerge(mergeKey: string): boolean;
  /**
   * A new transaction, whose key is not stored; it holds `mergeKey` unless that is undefined.
   * `requestBytes`: what its request keeps alive until the final response.
   */
  put(tx: T, mergeKey: string | undefined, requestBytes?: number): void;
  /**
   * What a stored transaction now keeps besides its keys: the response it may resend and, before
   * its final response, its request. Over the byte budget, older transactions are ended.
   */
  charge(tx: T, responseBytes: number, requestBytes: number): void;
  /**
   * A stored INVITE transaction reached Confirmed over UDP: from here until Timer I (`timerIMs`)
   * it only absorbs, so the store keeps its key and merge key as a record and lets the object go.
   */
  confirm(tx: T, timerIMs: number): void;
  delete(key: string): void;
  /** The stored transaction objects (not the Confirmed records, which have nothing left to do). */
  values(): IterableIterator<T>;
  /** End every transaction (shutdown). */
  clear(): void;
}

/**
 * One HashedTable for every key, live transactions' and Confirmed records' alike, expired by one
 * Deadline at the oldest record's Timer I, and an AgeList for the live transactions' age order
 * (why each, measured: docs/ARCHITECTURE.md, Transactions).
 */
export class HashedTransactionStore<T extends AnyTx> implements TransactionStore<T> {
  private readonly table = new HashedTable<T>();
  private readonly age = new AgeList<AnyTx>();
  private readonly timerI = new Deadline(() => this.expireRecords());
  evictions = 0;
  bytes = 0;

  constructor(
    private readonly deadlines: Deadlines,
    private readonly max: number,
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {}

  get size(): number {
    return this.age.size + this.table.records;
  }

  get(key: string): T | typeof CONFIRMED | undefined {
    const tx = this.table.find(key);
    return tx === null ? CONFIRMED : tx;
  }

  holdsMerge(mergeKey: string): boolean {
    return this.table.find(mergeKey) !== undefined;
  }

  put(tx: T, mergeKey: string | undefined, requestBytes = 0): void {
    while (this.size >= this.max && this.evictOldest(undefined));
    this.table.addObject(tx, tx.key, mergeKey);
    this.age.push(tx);
    tx.mergeKey = mergeKey;
    tx.storeBytes = 0;
    this.charge(tx, 0, requestBytes);
  }

  charge(tx: T, responseBytes: number, requestBytes: number): void {
    if (!this.holds(tx)) return;
    // JS strings of these keys are one byte per character once flattened (transaction-key.ts).
    const cost = TX_OVERHEAD_BYTES + tx.key.length + (tx.mergeKey?.length ?? 0) + responseBytes + requestBytes;
    this.bytes += cost - tx.storeBytes;
    tx.storeBytes = cost;
    // The newest transaction is the last to go: one larger than the whole budget still answers.
    while (this.bytes > this.maxBytes && this.evictOldest(tx));
  }

  confirm(tx: T, timerIMs: number): void {
    if (!this.holds(tx)) return;
    this.unlink(tx);
    this.table.toRecord(tx.key, tx.mergeKey, this.deadlines.elapsed() + timerIMs);
    tx.mergeKey = undefined;
    tx.discard();
    this.bytes += RECORD_BYTES;
    if (!this.timerI.scheduled) this.deadlines.reschedule(this.timerI, timerIMs);
  }

  /** Timer I of the oldest records: they end; the next oldest is waited for. */
  private expireRecords(): void {
    this.bytes -= RECORD_BYTES * this.table.expire(this.deadlines.elapsed());
    const next = this.table.nextDue;
    if (next >= 0) this.deadlines.reschedule(this.timerI, Math.max(0, next - this.deadlines.elapsed()));
  }

  /**
   * End the oldest to make room — a Confirmed record first, which has the least left to do, then
   * the oldest transaction object other than `keep`. False when nothing is left to end.
   */
  private evictOldest(keep: AnyTx | undefined): boolean {
    if (this.table.records > 0) {
      this.evictions++;
      this.table.dropOldest();
      this.bytes -= RECORD_BYTES;
      if (this.table.records === 0) this.deadlines.cancel(this.timerI);
      return true;
    }
    const oldest = this.age.oldest;
    if (oldest === undefined || oldest === keep) return false;
    this.evictions++;
    oldest.terminate('evicted: transaction table full');
    this.delete(oldest.key); // terminate normally deletes it; this covers a callback that did not
    return true;
  }

  delete(key: string): void {
    const tx = this.table.find(key);
    if (tx === undefined || tx === null) return;
    this.unlink(tx);
    this.table.removeObject(tx.key, tx.mergeKey);
    tx.mergeKey = undefined;
  }

  /** Whether `tx` is stored as a live transaction (the age order holds exactly those). */
  private holds(tx: T): boolean {
    return tx.older !== undefined || this.age.oldest === tx;
  }

  private unlink(tx: T): void {
    this.age.remove(tx);
    this.bytes -= tx.storeBytes;
    tx.storeBytes = 0;
  }

  *values(): IterableIterator<T> {
    for (let tx = this.age.oldest; tx !== undefined; tx = tx.newer) yield tx as T;
  }

  clear(): void {
    for (const tx of [...this.values()]) tx.terminate('shutdown');
    this.age.clear();
    this.table.clear();
    this.deadlines.cancel(this.timerI);
    this.bytes = 0;
  }
}
