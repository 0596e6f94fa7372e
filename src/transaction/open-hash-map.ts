/**
 * A string-keyed map for tables that live long and churn: the live server transactions and their
 * §8.2.2.2 merge keys, where every request adds an entry and removes it again a round trip later.
 *
 * Why not a JS Map, measured: a long-lived Map's hash table sits in V8's old generation, and V8
 * rebuilds it in the old generation (OrderedHashTable::Rehash allocates "TENURED" when the table
 * is not new) every few insertions, since deleted entries use up its capacity. The table it
 * replaces keeps every entry it had: the young collector treats those stale slots as roots until
 * the next full collection, so every transaction that was in the table when it was rebuilt —
 * its request, its closures, its buffers — is copied and promoted although it is long dead. At
 * 20,000 INVITEs/s that was ~1 MB copied per scavenge and 2.5–3 ms pauses, the p99 of the load
 * benchmark (bench/README.md). Here entries sit in arrays allocated once per resize, a deleted
 * entry's slots are cleared in place, and arrays given up by a resize are cleared too, so nothing
 * dead stays reachable from the old generation.
 *
 * The entries are dense slots (reused through a free list); an IdIndex maps each key's seeded
 * hash (key-hash.ts) to its slot. Callers that already hashed a key pass its hash.
 */
import { IdIndex, NO_ID } from './id-index.js';
import { hashKey } from './key-hash.js';

const MIN_SLOTS = 16;

export class OpenHashMap<V> {
  private readonly index = new IdIndex();
  private keys: (string | undefined)[] = new Array<string | undefined>(MIN_SLOTS).fill(undefined);
  private vals: (V | undefined)[] = new Array<V | undefined>(MIN_SLOTS).fill(undefined);
  /** Slots free for reuse (a stack), and the first slot never used. */
  private free: number[] = [];
  private fresh = 0;

  get size(): number {
    return this.index.size;
  }

  get(key: string, hash: number = hashKey(key)): V | undefined {
    const slot = this.find(key, hash);
    return slot === NO_ID ? undefined : this.vals[slot];
  }

  has(key: string, hash: number = hashKey(key)): boolean {
    return this.find(key, hash) !== NO_ID;
  }

  set(key: string, value: V, hash: number = hashKey(key)): void {
    const found = this.find(key, hash);
    if (found !== NO_ID) {
      this.vals[found] = value;
      return;
    }
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.fresh === this.keys.length) this.relayout(2 * this.keys.length);
      slot = this.fresh++;
    }
    this.keys[slot] = key;
    this.vals[slot] = value;
    this.index.insert(slot, hash);
  }

  /** Remove `key`; returns its value, if it was there. */
  delete(key: string, hash: number = hashKey(key)): V | undefined {
    const slot = this.find(key, hash);
    if (slot === NO_ID) return undefined;
    const value = this.vals[slot];
    this.index.remove(slot, hash);
    this.keys[slot] = undefined;
    this.vals[slot] = undefined;
    this.free.push(slot);
    if (this.keys.length > MIN_SLOTS && 8 * this.index.size < this.keys.length) this.relayout(this.keys.length / 2);
    return value;
  }

  clear(): void {
    this.keys.fill(undefined);
    this.vals.fill(undefined);
    this.index.clear();
    this.keys = new Array<string | undefined>(MIN_SLOTS).fill(undefined);
    this.vals = new Array<V | undefined>(MIN_SLOTS).fill(undefined);
    this.free = [];
    this.fresh = 0;
  }

  /** The values, in no particular order (a snapshot: safe to change the map while using it). */
  values(): V[] {
    const out: V[] = [];
    for (let i = 0; i < this.fresh; i++) if (this.keys[i] !== undefined) out.push(this.vals[i] as V);
    return out;
  }

  private find(key: string, hash: number): number {
    const { ids, hashes, mask } = this.index;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const slot = ids[i] as number;
      if (slot === NO_ID) return NO_ID;
      if (hashes[i] === hash && this.keys[slot] === key) return slot;
    }
  }

  /** Move every entry into `capacity` dense slots (growing, or compacting after many deletes). */
  private relayout(capacity: number): void {
    const { keys, vals } = this;
    const { ids, hashes } = this.index;
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.vals = new Array<V | undefined>(capacity).fill(undefined);
    this.index.clear();
    this.free = [];
    this.fresh = 0;
    for (let i = 0; i < ids.length; i++) {
      const old = ids[i] as number;
      if (old === NO_ID) continue;
      const slot = this.fresh++;
      this.keys[slot] = keys[old];
      this.vals[slot] = vals[old];
      this.index.insert(slot, hashes[i] as number);
    }
    // The arrays given up may sit in the old generation: empty them, or they would hold every
    // entry they had until the next full collection (the very thing this class avoids).
    keys.fill(undefined);
    vals.fill(undefined);
  }
}
