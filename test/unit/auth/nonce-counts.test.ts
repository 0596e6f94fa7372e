import { describe, expect, it } from 'vitest';
import { NonceCountTable } from '../../../src/auth/nonce-counts.js';

const TTL = 1000;

describe('nonce-count table (RFC 7616 §3.4, replay protection)', () => {
  it('accepts rising counts and refuses a count not above the last (a replay)', () => {
    const t = new NonceCountTable();
    expect(t.advance('n', 1, 0, TTL, 10)).toBe(true);
    expect(t.advance('n', 2, 0, TTL, 10)).toBe(true);
    expect(t.advance('n', 2, 0, TTL, 10)).toBe(false);
    expect(t.advance('n', 1, 0, TTL, 10)).toBe(false);
    expect(t.advance('n', 5, 0, TTL, 10)).toBe(true);
  });

  it('keeps counts per nonce', () => {
    const t = new NonceCountTable();
    expect(t.advance('a', 1, 0, TTL, 10)).toBe(true);
    expect(t.advance('b', 1, 0, TTL, 10)).toBe(true);
  });

  it('forgets the oldest nonce first when full, and never holds more than the bound', () => {
    const t = new NonceCountTable();
    for (const n of ['a', 'b', 'c']) t.advance(n, 1, 0, TTL, 2);
    expect(t.size).toBe(2);
    expect(t.advance('a', 1, 0, TTL, 2)).toBe(true); // forgotten
    expect(t.advance('c', 1, 0, TTL, 2)).toBe(false); // still known
    expect(t.evictions).toBe(2); // a, then b (to make room for a again)
  });

  it('expires oldest first without counting expiry as eviction, also after thousands came and went', () => {
    const t = new NonceCountTable();
    for (let i = 0; i < 5_000; i++) t.advance(`n${i}`, 1, i, TTL, 10_000);
    expect(t.size).toBe(TTL);
    expect(t.advance('n4001', 1, 5_000, TTL, 10_000)).toBe(false);
    expect(t.advance('n4000', 1, 5_000, TTL, 10_000)).toBe(true); // its nonce expired at 5_000: seen anew
    expect(t.evictions).toBe(0);
  });

  it('drops entries once their nonce can no longer be valid', () => {
    const t = new NonceCountTable();
    t.advance('a', 3, 0, TTL, 10);
    t.advance('b', 1, 500, TTL, 10);
    t.advance('c', 1, TTL, TTL, 10);
    expect(t.size).toBe(2);
  });
});
