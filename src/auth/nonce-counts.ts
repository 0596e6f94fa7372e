/**
 * The highest nonce-count seen per nonce (RFC 7616 §3.4, §5.5; RFC 2617 §3.2.2): a request whose
 * nc is not above the last accepted one for its nonce is a replay. Bounded — when full, the nonce
 * first seen longest ago is forgotten — and each entry lasts as long as its nonce can be valid.
 *
 * Entries are kept in a queue in the order first seen, which is also expiry order (one TTL for
 * all): eviction and expiry both take from its front, O(1) per entry, with no timers to clear. (A
 * Map's own order would do the same in principle, but reaching its first live entry walks past
 * every deleted one: see transaction/fifo.ts.)
 */
import { Fifo } from '../transaction/fifo.js';

interface Entry {
  readonly nonce: string;
  nc: number;
  readonly expiresAt: number;
}

export class NonceCountTable {
  private readonly entries = new Map<string, Entry>();
  private readonly order = new Fifo<Entry>(this.entries, (e) => e.nonce);

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
    while (this.entries.size >= maxEntries) {
      const oldest = this.order.oldest();
      if (oldest === undefined) break;
      this.entries.delete(oldest.nonce);
    }
    const entry: Entry = { nonce, nc, expiresAt: now + ttlMs };
    this.entries.set(nonce, entry);
    this.order.push(entry);
    return true;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.order.clear();
  }

  private expire(now: number): void {
    for (let e = this.order.oldest(); e !== undefined && e.expiresAt <= now; e = this.order.oldest()) {
      this.entries.delete(e.nonce);
      this.order.shift();
    }
  }
}
