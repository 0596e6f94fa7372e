/**
 * A Map for keys that come and go at the request rate (the transaction store's indexes). V8 links
 * every hash table a Map outgrows or shrinks from to the table that replaced it (so that a live
 * iterator can follow), and a Map that adds and deletes all the time replaces its table every few
 * additions when it holds few entries. Once one table of that lineage reaches the old generation —
 * as the current one does whenever it outlives two young collections, when traffic pauses, or a
 * full collection promotes it — the young-generation collector keeps every later table alive
 * through that link, and every entry those tables held, until the next full collection: the
 * transactions, their keys and requests, promoted by the thousand to die in the old generation.
 * Measured at 20,000 INVITE+ACK/s paced (docs/ARCHITECTURE.md, Transactions): 33 MB promoted per
 * 180,000 requests with two plain Maps, 3.2 MB when each is copied into a new Map every 1,024
 * additions — a new Map starts a lineage no old table points into.
 *
 * The copy runs after max(1,024, 4 × size) additions and only while the Map holds at most 2,048
 * entries: at most a quarter of an addition per addition, and at most ~0.1 ms at once (measured on
 * Node 20: 0.2 ms to copy 4,096 entries). A larger Map replaces its table only once per thousands
 * of additions, so its lineage grows that much more slowly, and copying it would stall the event
 * loop for longer. An iterator taken before a copy goes on over the Map it was taken from.
 */
const RENEW_MIN_SETS = 1024;
const RENEW_MAX_SIZE = 2048;

export class RenewingMap<K, V> {
  private map = new Map<K, V>();
  private setsLeft = RENEW_MIN_SETS;
  /** Copies made so far (for tests). */
  renewals = 0;

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V): void {
    if (--this.setsLeft <= 0) this.renew();
    this.map.set(key, value);
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  clear(): void {
    this.map.clear();
  }

  private renew(): void {
    const size = this.map.size;
    this.setsLeft = Math.max(RENEW_MIN_SETS, 4 * size);
    if (size > RENEW_MAX_SIZE) return;
    this.map = new Map(this.map);
    this.renewals++;
  }
}
