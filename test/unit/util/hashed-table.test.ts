import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashedTable } from '../../../src/util/hashed-table.js';

const SEED = Buffer.from('0123456789abcdef', 'hex');

interface Obj {
  name: string;
}

describe('HashedTable', () => {
  it('finds an object by either string, then its record until it expires, oldest first', () => {
    const t = new HashedTable<Obj>(SEED);
    const a = { name: 'a' };
    const b = { name: 'b' };
    t.addObject(a, 'k1', 'm1');
    t.addObject(b, 'k2', undefined);
    expect([t.find('k1'), t.find('m1'), t.find('k2'), t.find('k3'), t.records]).toEqual([a, a, b, undefined, 0]);
    t.toRecord('k1', 'm1', 100);
    t.toRecord('k2', undefined, 200);
    expect([t.find('k1'), t.find('m1'), t.find('k2'), t.records, t.nextDue]).toEqual([null, null, null, 2, 100]);
    expect(t.expire(99)).toBe(0);
    expect(t.expire(100)).toBe(1);
    expect([t.find('k1'), t.find('m1'), t.find('k2'), t.nextDue]).toEqual([undefined, undefined, null, 200]);
    t.dropOldest();
    expect([t.find('k2'), t.records, t.nextDue]).toEqual([undefined, 0, -1]);
  });

  it('lets go of an object by its strings, and hashes a string equal to one it has seen alike', () => {
    const t = new HashedTable<Obj>(SEED);
    const a = { name: 'a' };
    t.addObject(a, 'key-1', 'merge-1');
    // Same text, another string object: the last-hashed memo compares text, not identity.
    const again = ['key', '1'].join('-');
    expect(t.find(again)).toBe(a);
    t.removeObject(again, 'merge-1');
    expect([t.find('key-1'), t.find('merge-1')]).toEqual([undefined, undefined]);
  });

  it('answers like a Map of strings to objects or records through growth, wrap-around and deletions', () => {
    // 0: add an object (one string in three without a second), 1: remove the oldest live object,
    // 2: turn the oldest live object into a record, 3: drop the oldest record.
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.nat(5)), { maxLength: 3000 }), (ops) => {
        const t = new HashedTable<Obj>(SEED);
        const model = new Map<string, Obj | null>();
        const live: [Obj, string, string | undefined][] = [];
        const records: [string, string | undefined][] = [];
        let n = 0;
        for (const [op, times] of ops) {
          for (let k = 0; k <= times; k++) {
            if (op === 0) {
              const o = { name: `o${n}` };
              const b = n % 3 === 0 ? undefined : `merge-${n}`;
              t.addObject(o, `key-${n}`, b);
              live.push([o, `key-${n}`, b]);
              model.set(`key-${n}`, o);
              if (b !== undefined) model.set(b, o);
              n++;
            } else if (op === 1 || op === 2) {
              const e = live.shift();
              if (e === undefined) continue;
              const [, a, b] = e;
              if (op === 1) t.removeObject(a, b);
              else t.toRecord(a, b, n);
              for (const s of [a, b]) {
                if (s === undefined) continue;
                if (op === 1) model.delete(s);
                else model.set(s, null);
              }
              if (op === 2) records.push([a, b]);
            } else {
              const r = records.shift();
              if (r === undefined) continue;
              t.dropOldest();
              for (const s of r) if (s !== undefined) model.delete(s);
            }
          }
        }
        for (let i = 0; i < n; i++) {
          for (const s of [`key-${i}`, `merge-${i}`]) expect(t.find(s)).toBe(model.get(s));
        }
        expect(t.records).toBe(records.length);
      }),
      { numRuns: 60 },
    );
  });

  it('still finds and misses correctly after a flood has grown both tables and every string has left them', () => {
    const t = new HashedTable<Obj>(SEED);
    const o = { name: 'o' };
    for (let i = 0; i < 5000; i++) t.addObject(o, `k${i}`, `m${i}`);
    for (let i = 0; i < 2500; i++) t.toRecord(`k${i}`, `m${i}`, i);
    for (let i = 2500; i < 5000; i++) t.removeObject(`k${i}`, `m${i}`);
    expect(t.expire(4999)).toBe(2500);
    expect(t.records).toBe(0);
    t.addObject(o, 'again', undefined);
    expect([t.find('again'), t.find('k1')]).toEqual([o, undefined]);
  });
});
