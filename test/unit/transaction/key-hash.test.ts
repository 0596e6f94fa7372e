import { describe, expect, it } from 'vitest';
import { hashKey, keyEquals, readKey, writeKey } from '../../../src/transaction/key-hash.js';

describe('key hashing and key bytes', () => {
  it('stores a latin1 key as bytes and compares it exactly', () => {
    const k = 'z9hG4bK\u00e9\u0000h:5060\u0000INVITE';
    const bytes = new Uint8Array(64);
    writeKey(k, bytes, 3);
    expect(keyEquals(k, bytes, 3, k.length)).toBe(true);
    expect(keyEquals(`${k}x`, bytes, 3, k.length)).toBe(false);
    expect(keyEquals(k.replace('I', 'J'), bytes, 3, k.length)).toBe(false);
    expect(readKey(bytes, 3, k.length)).toBe(k);
  });

  it('hashes with the seed, so another process puts the same keys in other slots', () => {
    expect(hashKey('z9hG4bK1', 1)).toBe(hashKey('z9hG4bK1', 1));
    expect(hashKey('z9hG4bK1', 1)).not.toBe(hashKey('z9hG4bK1', 2));
    expect(hashKey('z9hG4bK1', 1)).not.toBe(hashKey('z9hG4bK2', 1));
  });
});
