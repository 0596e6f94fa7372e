import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdIndex, NO_ID } from '../../../src/transaction/id-index.js';
import { hashKey, keyEquals, readKey, writeKey } from '../../../src/transaction/key-hash.js';
import { OpenHashMap } from '../../../src/transaction/open-hash-map.js';

/** Keys drawn from a small alphabet, so that runs of sets and deletes hit the same keys often. */
const key = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\u0000', 'é'), maxLength: 4 });
const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key, value: fc.integer() }),
  fc.record({ kind: fc.constant('delete' as const), key }),
  fc.record({ kind: fc.constant('get' as const), key }),
);

describe('open hash map (the live transactions and merge keys)', () => {
  it('behaves like a Map under any sequence of sets, deletes and gets', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), fc.boolean(), (ops, collide) => {
        const map = new OpenHashMap<number>();
        const model = new Map<string, number>();
        // With `collide`, every key has the same hash: lookups must still compare the keys.
        const h = (k: string) => (collide ? 7 : hashKey(k));
        for (const o of ops) {
          if (o.kind === 'set') {
            map.set(o.key, o.value, h(o.key));
            model.set(o.key, o.value);
          } else if (o.kind === 'delete') {
            expect(map.delete(o.key, h(o.key))).toBe(model.get(o.key));
            model.delete(o.key);
          } else {
            expect(map.get(o.key, h(o.key))).toBe(model.get(o.key));
            expect(map.has(o.key, h(o.key))).toBe(model.has(o.key));
          }
          expect(map.size).toBe(model.size);
        }
        expect(map.values().sort((a, b) => a - b)).toEqual([...model.values()].sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
  });

  it('grows to thousands of entries and shrinks back, keeping every one findable', () => {
    const map = new OpenHashMap<number>();
    for (let i = 0; i < 10_000; i++) map.set(`z9hG4bK${i}\u0000192.0.2.7:5060\u0000INVITE`, i);
    for (let i = 0; i < 10_000; i += 2) map.delete(`z9hG4bK${i}\u0000192.0.2.7:5060\u0000INVITE`);
    expect(map.size).toBe(5_000);
    for (let i = 0; i < 10_000; i++) expect(map.get(`z9hG4bK${i}\u0000192.0.2.7:5060\u0000INVITE`)).toBe(i % 2 === 0 ? undefined : i);
    for (let i = 1; i < 10_000; i += 2) map.delete(`z9hG4bK${i}\u0000192.0.2.7:5060\u0000INVITE`);
    expect(map.size).toBe(0);
    expect(map.values()).toEqual([]);
  });

  it('clear() empties it for reuse', () => {
    const map = new OpenHashMap<string>();
    map.set('a', 'x');
    map.clear();
    expect(map.get('a')).toBeUndefined();
    map.set('a', 'y');
    expect(map.get('a')).toBe('y');
  });
});

describe('id index (hash → record id, typed arrays)', () => {
  it('finds every id inserted under its hash until it is removed, across resizes and wrap-around', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 40 }), fc.integer({ min: -3, max: 3 })), { maxLength: 300 }), (ops) => {
        const index = new IdIndex();
        const model = new Map<number, number>(); // id → hash
        for (const [insert, id, hash] of ops) {
          // Few ids (the index stays at its smallest size) under hashes near 0 and -1: dense probe
          // runs across the end of the arrays, where backward-shift deletion is easiest to get wrong.
          if (insert && !model.has(id)) {
            index.insert(id, hash);
            model.set(id, hash);
          } else if (!insert && model.has(id)) {
            index.remove(id, model.get(id) as number);
            model.delete(id);
          }
        }
        expect(index.size).toBe(model.size);
        for (const [id, hash] of model) {
          let found = false;
          for (let i = hash & index.mask; index.ids[i] !== NO_ID; i = (i + 1) & index.mask) if (index.ids[i] === id) found = true;
          expect(found).toBe(true);
        }
      }),
      { numRuns: 1_000 },
    );
  });
});

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
