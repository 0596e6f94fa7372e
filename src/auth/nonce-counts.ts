/**
 * The highest nonce-count seen per nonce (RFC 7616 §3.4, §5.5; RFC 2617 §3.2.2): a request whose
 * nc is not above the last accepted one for its nonce is a replay. Bounded — when full, the nonce
 * first seen longest ago is forgotten — and each entry lasts as long as its nonce can be valid.
 *
 * A Map keeps insertion order, so the oldest entry is always first: eviction and expiry both take
 * from the front, O(1) per entry, with no timers to clear.
 */
export class NonceCountTable {
  private readonly entries = new Map<string, { nc: number; expiresAt: number }>();

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
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(nonce, { nc, expiresAt: now + ttlMs });
    return true;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  private expire(now: number): void {
    for (const [nonce, e] of this.entries) {
      if (e.expiresAt > now) return;
      this.entries.delete(nonce);
    }
  }
}
