import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Journal, MAX_RESPONSES, type RequestFields } from '../../../src/journal/journal.js';
import { EntrySlots, ResponseSlots } from '../../../src/journal/slots.js';

const FIELDS: RequestFields = { transport: 'tcp', address: '127.0.0.9', port: 5080, method: 'OPTIONS', callId: 'x', refused: false };

/** Message `n`: its own bytes, so a view that read another entry's slot or ring bytes would show it. */
const message = (n: number, size: number) => Buffer.from(`OPTIONS sip:${n}@h SIP/2.0\r\n`.padEnd(size, '.'), 'latin1');
const response = (n: number) => Buffer.from(`SIP/2.0 200 OK ${n}\r\n\r\n`, 'latin1');

describe('journal slots (src/journal/slots.ts)', () => {
  it('entry slots: ids map to slots through growth and wrap-around, oldest first', () => {
    const e = new EntrySlots();
    const held: number[] = [];
    let next = 1;
    for (let round = 0; round < 500; round++) {
      // Push a few, shift a few: the ring wraps and grows from 64 to 256 slots along the way.
      for (let i = 0; i < (round % 7) + (round < 200 ? 2 : 1); i++) {
        expect(e.nextId).toBe(next);
        e.push();
        held.push(next++);
      }
      for (let i = 0; i < round % 3 && e.count > 0; i++) {
        e.shift();
        held.shift();
      }
      expect(e.count).toBe(held.length);
      for (const id of [held[0], held[held.length - 1]]) if (id !== undefined) expect(e.idAt(e.slotOf(id))).toBe(id);
      expect(e.slotOf((held[0] ?? next) - 1)).toBe(-1);
      expect(e.slotOf(next)).toBe(-1);
    }
    for (const id of held) expect(e.idAt(e.slotOf(id))).toBe(id);
    expect(e.capacity).toBeGreaterThan(64);
  });

  it('response slots: a released chain is taken again before the slots grow', () => {
    const r = new ResponseSlots();
    const a = r.take();
    const b = r.take();
    r.next[a] = b;
    expect(r.capacity).toBe(64);
    r.release(a);
    const again = new Set([r.take(), r.take()]);
    expect(again).toEqual(new Set([a, b]));
    for (let i = 0; i < 62; i++) r.take();
    expect(r.capacity).toBe(64);
    r.take();
    expect(r.capacity).toBe(128);
  });

  it('every entry the journal holds reads its own bytes and responses, whatever the bounds evicted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ size: fc.integer({ min: 40, max: 600 }), responses: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 2_000, max: 40_000 }),
        (requests, maxEntries, maxBytes) => {
          const j = new Journal(() => ({ enabled: true, maxEntries, maxBytes }));
          const model = new Map<number, { n: number; size: number; responses: number }>();
          requests.forEach((q, n) => {
            const id = j.record(FIELDS, message(n, q.size));
            if (id !== 0) model.set(id, { n, size: q.size, responses: q.responses });
            for (let k = 0; k < q.responses; k++) j.response(id, response(n * 10 + k));
          });
          const list = j.list();
          expect(list.length).toBeLessThanOrEqual(maxEntries);
          expect(j.bytes).toBeLessThanOrEqual(maxBytes);
          expect(list.map((e) => e.id)).toEqual([...model.keys()].slice(-list.length));
          for (const e of list) {
            const m = model.get(e.id)!;
            expect(e.raw).toBe(message(m.n, m.size).toString('latin1'));
            expect(e.responses.map((r) => r.raw)).toEqual(Array.from({ length: Math.min(m.responses, MAX_RESPONSES) }, (_, k) => response(m.n * 10 + k).toString('latin1')));
          }
          const lastId = j.list().at(-1)?.id ?? 0;
          j.clear();
          expect([j.size, j.bytes, j.list().length]).toEqual([0, 0, 0]);
          // Ids go on after a clear: a view (and the parse cached for one) never meets another's bytes.
          const after = j.get(j.record(FIELDS, message(requests.length, 100)))!;
          expect(after.id).toBeGreaterThan(lastId);
          expect(after.raw).toBe(message(requests.length, 100).toString('latin1'));
        },
      ),
      { numRuns: 200 },
    );
  });
});
