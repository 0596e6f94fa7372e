import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdIndex, NO_ID } from '../../../src/transaction/id-index.js';

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
