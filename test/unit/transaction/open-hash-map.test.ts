import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashKey } from '../../../src/transaction/key-hash.js';
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
