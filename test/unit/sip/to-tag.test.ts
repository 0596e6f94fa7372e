import { describe, expect, it } from 'vitest';
import { MAX_SOURCE_KEYS, MIN_TAG_KEY_BYTES, makeTagger, newTagKey } from '../../../src/sip/to-tag.js';

const KEY = Buffer.alloc(16, 42);
const SRC = '192.0.2.7';

describe('To tags (§8.2.6.2, §19.3)', () => {
  const tag = makeTagger(KEY);

  it('is 64 bits as 16 lower-case hex digits, the same for the same request from the same address', () => {
    const t = tag(SRC, 'a84b4c76e66710@pc33.atlanta.com', '<sip:alice@atlanta.com>;tag=1928301774', 'z9hG4bK776asdhds', '314159');
    expect(t).toMatch(/^[0-9a-f]{16}$/);
    expect(tag(SRC, 'a84b4c76e66710@pc33.atlanta.com', '<sip:alice@atlanta.com>;tag=1928301774', 'z9hG4bK776asdhds', '314159')).toBe(t);
    // The same from a tagger made again with the same key (another process of the same server).
    expect(makeTagger(Buffer.from(KEY))(SRC, 'a84b4c76e66710@pc33.atlanta.com', '<sip:alice@atlanta.com>;tag=1928301774', 'z9hG4bK776asdhds', '314159')).toBe(t);
  });

  it('differs when any part differs, including where one part ends and the next begins', () => {
    const base = tag(SRC, 'c', 'f', 'b', '1');
    const variants = [tag('192.0.2.8', 'c', 'f', 'b', '1'), tag(SRC, 'c2', 'f', 'b', '1'), tag(SRC, 'c', 'f2', 'b', '1'), tag(SRC, 'c', 'f', 'b2', '1'), tag(SRC, 'c', 'f', 'b', '2')];
    expect(new Set([base, ...variants]).size).toBe(6);
    expect(tag(SRC, 'ab', 'c', '', '1')).not.toBe(tag(SRC, 'a', 'bc', '', '1'));
    expect(tag(SRC, '1:a', '', '', '1')).not.toBe(tag(SRC, '', '1:a', '', '1'));
  });

  it('hashes under a key of each source address: the same parts from two addresses share no tag, and a forgotten source key comes back the same', () => {
    const parts = ['c', 'f', 'b', '1'] as const;
    const fresh = makeTagger(KEY);
    const first = fresh(SRC, ...parts);
    const others = new Set<string>();
    // More addresses than the source keys remembered: the table is emptied at least once.
    for (let i = 0; i <= MAX_SOURCE_KEYS; i++) others.add(fresh(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, ...parts));
    expect(others.size).toBe(MAX_SOURCE_KEYS + 1);
    expect(others.has(first)).toBe(false);
    expect(fresh(SRC, ...parts)).toBe(first);
  });

  it('spreads its 64 bits: 20,000 requests from one address, no tag twice, each bit set about half the time', () => {
    const seen = new Set<string>();
    const ones = new Array<number>(64).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const t = tag(SRC, `call-${i}@host`, '<sip:alice@atlanta.com>;tag=1928301774', `z9hG4bK${i}`, '1');
      seen.add(t);
      const v = BigInt(`0x${t}`);
      for (let bit = 0; bit < 64; bit++) if ((v >> BigInt(bit)) & 1n) ones[bit]!++;
    }
    expect(seen.size).toBe(20_000);
    for (const n of ones) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });

  it('differs from one key to another, and a new key is random and 256 bits', () => {
    expect(makeTagger(Buffer.alloc(16, 1))(SRC, 'c', 'f', 'b', '1')).not.toBe(makeTagger(Buffer.alloc(16, 2))(SRC, 'c', 'f', 'b', '1'));
    const [a, b] = [newTagKey(), newTagKey()];
    expect(a.length).toBe(32);
    expect(a.equals(b)).toBe(false);
  });

  it('refuses a key shorter than 128 bits', () => {
    expect(() => makeTagger(Buffer.alloc(MIN_TAG_KEY_BYTES - 1))).toThrow(RangeError);
    expect(() => makeTagger(Buffer.alloc(MIN_TAG_KEY_BYTES))).not.toThrow();
  });
});
