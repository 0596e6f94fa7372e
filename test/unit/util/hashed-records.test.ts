import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashedRecords } from '../../../src/util/hashed-records.js';

const SEED = Buffer.from('0123456789abcdef', 'hex');

describe('HashedRecords', () => {
  it('holds each record by both strings until it expires, oldest first', () => {
    const r = new HashedRecords(SEED);
    r.add('k1', 'm1', 100);
    r.add('k2', undefined, 200);
    expect([r.has('k1'), r.has('m1'), r.has('k2'), r.has('k3'), r.size, r.nextDue]).toEqual([true, true, true, false, 2, 100]);
    expect(r.expire(99)).toBe(0);
    expect(r.expire(100)).toBe(1);
    expect([r.has('k1'), r.has('m1'), r.has('k2'), r.nextDue]).toEqual([false, false, true, 200]);
    r.dropOldest();
    expect([r.has('k2'), r.size, r.nextDue]).toEqual([false, 0, -1]);
  });

  it('answers like a plain Set through growth, wrap-around and deletions from probe chains', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(40)), { maxLength: 3000 }), (ops) => {
        const r = new HashedRecords(SEED);
        const fifo: string[][] = [];
        let n = 0;
        for (const [add, drops] of ops) {
          if (add) {
            const rec = n % 3 === 0 ? [`key-${n}`] : [`key-${n}`, `merge-${n}`];
            r.add(rec[0] as string, rec[1], n);
            fifo.push(rec);
            n++;
          } else {
            for (let i = 0; i < drops % 7 && fifo.length > 0; i++) {
              r.dropOldest();
              fifo.shift();
            }
          }
        }
        const held = new Set(fifo.flat());
        for (let i = 0; i < n; i++) {
          expect(r.has(`key-${i}`)).toBe(held.has(`key-${i}`));
          expect(r.has(`merge-${i}`)).toBe(held.has(`merge-${i}`));
        }
        expect(r.size).toBe(fifo.length);
      }),
      { numRuns: 60 },
    );
  });

  it('gives its grown arrays back once emptied, and still works after', () => {
    const r = new HashedRecords(SEED);
    for (let i = 0; i < 5000; i++) r.add(`k${i}`, `m${i}`, i);
    expect(r.expire(4999)).toBe(5000);
    expect(r.size).toBe(0);
    r.add('again', undefined, 1);
    expect([r.has('again'), r.has('k1')]).toEqual([true, false]);
  });
});
