import { describe, expect, it } from 'vitest';
import type { InviteServerTransaction } from '../../../src/transaction/invite-server.js';
import { storeSetup as setup, type Tx } from './store-setup.js';
import { CONFIRMED } from '../../../src/transaction/transaction-store.js';

const R404 = Buffer.from('SIP/2.0 404 Not Found\r\n\r\n');
const R486 = Buffer.from('SIP/2.0 486 Busy Here\r\n\r\n');

describe('transaction store (one object per transaction, bounded, oldest first)', () => {
  it('evicts the oldest transaction when full, skipping those that already left', () => {
    const { store, ended, make } = setup(3);
    const txs = ['a', 'b', 'c'].map(make);
    for (const tx of txs) store.put(tx, undefined);
    (txs[0] as Tx).terminate('done'); // a leaves on its own
    store.put(make('d'), undefined);
    store.put(make('e'), undefined); // full again: b is now the oldest
    expect(ended).toEqual(['a: done', 'b: evicted: transaction table full']);
    expect(store.size).toBe(3);
    expect(store.evictions).toBe(1);
  });

  it('evicts a transaction past its final response like any other, oldest first, and cancels its timer', () => {
    const { store, make, deadlines } = setup(2);
    const done = make('done');
    store.put(done, undefined);
    done.respond(R404, 404); // Completed: replays for Timer J
    const live = make('live');
    store.put(live, undefined);
    store.put(make('new'), undefined);
    expect(store.get('done')).toBeUndefined();
    expect(done.state).toBe('terminated');
    expect(store.get('live')).toBe(live);
    expect(store.size).toBe(2);
    expect(deadlines.size).toBe(0);
  });

  it('keeps evicting in arrival order after thousands of transactions came and went', () => {
    const { store, ended, make } = setup(100);
    for (let i = 0; i < 5_000; i++) {
      const tx = make(`gone${i}`);
      store.put(tx, undefined);
      tx.terminate('done');
    }
    for (let i = 0; i < 150; i++) store.put(make(`k${i}`), undefined);
    expect(ended.filter((e) => e.includes('evicted'))).toEqual(Array.from({ length: 50 }, (_v, i) => `k${i}: evicted: transaction table full`));
    expect(store.get('k50')).toBeDefined();
    expect(store.evictions).toBe(50);
  });

  it('holds a merge key (§8.2.2.2) through Completed until Timer J, then lets it go with the transaction', () => {
    const { clock, store, make } = setup(10);
    const tx = make('k1');
    store.put(tx, 'tag\u0000call\u00001\u0000OPTIONS');
    expect(store.holdsMerge('tag\u0000call\u00001\u0000OPTIONS')).toBe(true);
    expect(store.holdsMerge('tag\u0000call\u00002\u0000OPTIONS')).toBe(false);
    tx.respond(R404, 404);
    expect(store.get('k1')).toBe(tx);
    clock.tick(31_999);
    expect(store.holdsMerge('tag\u0000call\u00001\u0000OPTIONS')).toBe(true);
    clock.tick(1);
    expect(store.holdsMerge('tag\u0000call\u00001\u0000OPTIONS')).toBe(false);
    expect(store.get('k1')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('keeps an INVITE in Confirmed findable by its key and merge key until exactly Timer I (T4), then empties', () => {
    const { clock, store, invite, deadlines } = setup(10);
    const tx = invite('i1') as InviteServerTransaction<object>;
    store.put(tx, 'm');
    tx.respond(R486, 486);
    tx.onAck();
    store.confirm(tx, 5000);
    expect(tx.scheduled).toBe(false);
    expect(store.values().next().done).toBe(true);
    clock.tick(4_999);
    expect(store.get('i1')).toBe(CONFIRMED);
    expect(store.holdsMerge('m')).toBe(true);
    expect(store.get('i2')).toBeUndefined();
    expect(store.size).toBe(1);
    clock.tick(1);
    expect(store.get('i1')).toBeUndefined();
    expect(store.holdsMerge('m')).toBe(false);
    expect(store.size).toBe(0);
    expect(deadlines.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('ends a Confirmed record first when full (it has least left to do), counting it as an eviction', () => {
    const { store, invite, make, ended } = setup(2);
    const older = make('older');
    store.put(older, undefined);
    const tx = invite('i1');
    store.put(tx, 'm1');
    tx.respond(R486, 486);
    tx.onAck();
    store.confirm(tx, 5000);
    const bytesWithRecord = store.bytes;
    store.put(make('new'), undefined);
    expect([store.get('i1'), store.holdsMerge('m1'), store.get('older')]).toEqual([undefined, false, older]);
    expect([store.size, store.evictions, ended]).toEqual([2, 1, []]);
    expect(store.bytes).toBeLessThan(bytesWithRecord + 1024);
  });

  it('lets a merge key go with a transaction removed from the middle of the age order', () => {
    const { store, ended, make } = setup(3);
    const [a, b, c] = ['a', 'b', 'c'].map(make) as [Tx, Tx, Tx];
    store.put(a, 'ma');
    store.put(b, 'mb');
    store.put(c, 'mc');
    b.terminate('done');
    expect(store.holdsMerge('mb')).toBe(false);
    expect(store.holdsMerge('ma')).toBe(true);
    store.put(make('d'), undefined);
    store.put(make('e'), undefined); // full: a, then c, are the oldest
    expect(ended).toEqual(['b: done', 'a: evicted: transaction table full']);
    expect(store.holdsMerge('ma')).toBe(false);
    expect([...store.values()].map((t) => t.key).sort()).toEqual(['c', 'd', 'e']);
  });

  it('ends every transaction on clear (shutdown) and leaves no deadline behind', () => {
    const { store, make, ended, deadlines, clock } = setup(10);
    store.put(make('a'), 'ma');
    const b = make('b');
    store.put(b, undefined);
    b.respond(R404, 404);
    store.clear();
    expect(ended).toEqual(['a: shutdown', 'b: shutdown']);
    expect(store.size).toBe(0);
    expect(store.holdsMerge('ma')).toBe(false);
    expect(deadlines.size).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
