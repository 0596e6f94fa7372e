import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_ID } from '../../../src/transaction/id-index.js';
import { hashKey } from '../../../src/transaction/key-hash.js';
import { LingeringLane } from '../../../src/transaction/lingering-lane.js';

interface Rec {
  readonly key: string;
  readonly merge: string | undefined;
  readonly until: number;
  readonly body: Buffer | undefined;
}

function add(lane: LingeringLane, r: Rec): number {
  const replay = r.body === undefined ? undefined : { bytes: r.body, address: '2001:db8::7', port: 5070, sender: 3 };
  return lane.add(r.key, hashKey(r.key), r.until, r.merge, r.merge === undefined ? 0 : hashKey(r.merge), replay);
}

describe('lingering lane (records off the JS heap, oldest first)', () => {
  it('finds, replays and orders records like a model, whatever is added and dropped', () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        n: fc.nat(40),
        merge: fc.boolean(),
        // Mostly small responses, now and then one past a block's slab (256 KiB).
        body: fc.option(fc.oneof({ weight: 20, arbitrary: fc.nat(600) }, { weight: 1, arbitrary: fc.constant(270_000) })),
      }),
      fc.record({ kind: fc.constant('drop' as const), n: fc.nat(40) }),
      fc.record({ kind: fc.constant('dropOldest' as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
        const lane = new LingeringLane();
        const model = new Map<string, Rec>(); // insertion order = the lane's order
        let clock = 0;
        for (const s of steps) {
          if (s.kind === 'add') {
            const key = `k${s.n}`;
            const old = lane.find(key, hashKey(key));
            if (old !== NO_ID) lane.drop(old);
            model.delete(key);
            const r: Rec = { key, merge: s.merge ? `m${s.n}` : undefined, until: ++clock, body: s.body === null ? undefined : Buffer.alloc(s.body, s.n) };
            add(lane, r);
            model.set(key, r);
          } else if (s.kind === 'drop') {
            const id = lane.find(`k${s.n}`, hashKey(`k${s.n}`));
            expect(id !== NO_ID).toBe(model.has(`k${s.n}`));
            if (id !== NO_ID) lane.drop(id);
            model.delete(`k${s.n}`);
          } else {
            const id = lane.oldest();
            const first = model.values().next();
            expect(id === NO_ID).toBe(first.done === true);
            if (id !== NO_ID) {
              expect(lane.keysOf(id).key).toBe((first.value as Rec).key);
              lane.drop(id);
              model.delete((first.value as Rec).key);
            }
          }
          expect(lane.size).toBe(model.size);
        }
        for (const r of model.values()) {
          const id = lane.find(r.key, hashKey(r.key));
          expect(id).not.toBe(NO_ID);
          expect(lane.until(id)).toBe(r.until);
          expect(lane.keysOf(id)).toEqual({ key: r.key, merge: r.merge });
          const replay = lane.replayOf(id);
          if (r.body === undefined) expect(replay).toBeUndefined();
          else expect(replay !== undefined && replay.bytes.equals(r.body) && `[${replay.address}]:${replay.port}/${replay.sender}`).toBe('[2001:db8::7]:5070/3');
          if (r.merge !== undefined) expect(lane.findMerge(r.merge, hashKey(r.merge))).toBe(id);
        }
        for (let n = 0; n <= 40; n++) if (!model.has(`k${n}`)) expect(lane.findMerge(`m${n}`, hashKey(`m${n}`))).toBe(NO_ID);
      }),
      { numRuns: 150 },
    );
  });

  it('finds records and keeps their order after a million passed through recycled blocks', () => {
    const lane = new LingeringLane();
    const live: number[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      live.push(add(lane, { key: `z9hG4bK${i}\u0000192.0.2.7:5060\u0000INVITE`, merge: `tag${i}\u0000call${i}\u00001\u0000INVITE`, until: i, body: undefined }));
      if (live.length > 1_000) lane.drop(live.shift() as number);
    }
    expect(lane.size).toBe(1_000);
    expect(lane.keysOf(lane.oldest()).key).toBe('z9hG4bK999000\u0000192.0.2.7:5060\u0000INVITE');
    // Ids keep growing (blocks are numbered, not reused by number); lookups still work.
    const id = lane.find('z9hG4bK999999\u0000192.0.2.7:5060\u0000INVITE', hashKey('z9hG4bK999999\u0000192.0.2.7:5060\u0000INVITE'));
    expect(lane.until(id)).toBe(999_999);
  });

  it('starts over when emptied, and clear() forgets everything', () => {
    const lane = new LingeringLane();
    const a = add(lane, { key: 'a', merge: 'ma', until: 1, body: undefined });
    lane.drop(a);
    expect(lane.oldest()).toBe(NO_ID);
    const b = add(lane, { key: 'b', merge: undefined, until: 2, body: Buffer.from('x') });
    expect(lane.oldest()).toBe(b);
    lane.clear();
    expect(lane.size).toBe(0);
    expect(lane.find('b', hashKey('b'))).toBe(NO_ID);
    expect(lane.oldest()).toBe(NO_ID);
    const c = add(lane, { key: 'c', merge: undefined, until: 3, body: undefined });
    expect(lane.oldest()).toBe(c);
    expect(lane.findMerge('ma', hashKey('ma'))).toBe(NO_ID);
  });
});
