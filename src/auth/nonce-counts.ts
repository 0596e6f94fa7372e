/**
 * The highest nonce-count seen per nonce (RFC 7616 §3.4, §5.5; RFC 2617 §3.2.2): a request whose
 * nc is not above the last accepted one for its nonce is a replay. Bounded — when full, the nonce
 * first seen longest ago is forgotten — and each entry lasts as long as its nonce can be valid.
 *
 * Entries are kept oldest first (util/age-list.ts), which is also expiry order (one TTL for all):
 * eviction and expiry both take from the front, O(1) per entry. Expiry needs no timer at all: it
 * runs when the table is next used, and until then the bound holds the memory.
 */
import { AgeList } from '../util/age-list.js';

interface Entry {
  readonly nonce: string;
  nc: number;
  readonly expiresAt: number;
  older: Entry | undefined;
  newer: Entry | undefined;
}

export class NonceCountTable {
  private readonly entries = new Map<string, Entry>();
  private readonly age = new AgeList<Entry>();
  /** Nonces forgotten before their time to make room (`auth.maxNonces` reached). */
  evictions = 0;

  /**
   * Record `nc` for `nonce` if it is above the last one seen; false means a replay.
   * `ttlMs` is the nonce lifetime: an entry first seen at t can outlive no nonce issued before t.
   */
  advance(nonce: string, nc: number, now: number, ttlMs: number, maxEntries: number): boolean {
    this.expire(now);
    const seen = this.entries.get(nonce);
    if (seen !== undefined) {
      if (nc <= seen.nc) return false;
      seen.nc = nc;
      return true;
    }
    for (let oldest = this.age.oldest; this.entries.size >= maxEntries && oldest !== undefined; oldest = this.age.oldest) {
      this.evictions++;
      this.remove(oldest);
    }
    const entry: Entry = { nonce, nc, expiresAt: now + ttlMs, older: undefined, newer: undefined };
    this.entries.set(nonce, entry);
    this.age.push(entry);
    return true;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.age.clear();
  }

  private remove(e: Entry): void {
    this.entries.delete(e.nonce);
    this.age.remove(e);
  }

  private expire(now: number): void {
    for (let e = this.age.oldest; e !== undefined && e.expiresAt <= now; e = this.age.oldest) this.remove(e);
  }
}
