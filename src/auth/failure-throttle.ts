/**
 * Back-off for password guessing (RFC 3261 §22, §21.5.4): failed credentials are counted per source
 * address; once `maxFailures` fail within `windowMs`, that address is answered 503 with Retry-After
 * for `lockoutMs` without its digests being computed. Other addresses are not affected.
 *
 * Bounded: at most `maxSources` addresses are tracked. The table is a Map kept in least-recently
 * used order (a touch moves an entry to the end), so when full the address seen longest ago is
 * forgotten first; an entry whose window and lock-out are both over is dropped when next looked at.
 */

export interface ThrottleSettings {
  /** Failed credentials from one address within windowMs that start a lock-out. */
  readonly maxFailures: number;
  readonly windowMs: number;
  /** How long a locked-out address is answered 503. */
  readonly lockoutMs: number;
  /** Addresses tracked at most (least recently used forgotten first). */
  readonly maxSources: number;
}

interface Entry {
  failures: number;
  /** When the counting window that began with the first failure closes. */
  windowEnd: number;
  /** 0 when not locked out. */
  lockedUntil: number;
}

export class FailureThrottle {
  private readonly entries = new Map<string, Entry>();
  /** Failed credentials counted (metrics). */
  failures = 0;
  /** Requests answered with the back-off instead of being verified (metrics). */
  throttled = 0;
  /** Addresses forgotten early to stay within maxSources. */
  evictions = 0;

  /**
   * Seconds the address must wait (a positive integer for Retry-After, §20.33), or undefined when
   * its credentials may be checked. Counts the request as throttled when it is.
   */
  retryAfter(source: string, now: number): number | undefined {
    const e = this.entries.get(source);
    if (e === undefined) return undefined;
    if (e.lockedUntil > now) {
      this.throttled++;
      return Math.max(1, Math.ceil((e.lockedUntil - now) / 1000));
    }
    if (e.lockedUntil !== 0 || now >= e.windowEnd) this.entries.delete(source);
    return undefined;
  }

  /** One failed credential from `source`; starts the lock-out at the maxFailures-th in a window. */
  fail(source: string, now: number, s: ThrottleSettings): void {
    this.failures++;
    let e = this.entries.get(source);
    if (e !== undefined) this.entries.delete(source);
    if (e === undefined || (e.lockedUntil !== 0 && e.lockedUntil <= now) || now >= e.windowEnd) {
      e = { failures: 0, windowEnd: now + s.windowMs, lockedUntil: 0 };
    }
    e.failures++;
    if (e.failures >= s.maxFailures && e.lockedUntil === 0) e.lockedUntil = now + s.lockoutMs;
    this.entries.set(source, e);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= s.maxSources) break;
      this.entries.delete(oldest);
      this.evictions++;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
