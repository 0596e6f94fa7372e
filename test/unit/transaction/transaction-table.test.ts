import { describe, expect, it } from 'vitest';
import { Fifo } from '../../../src/transaction/fifo.js';
import { NonInviteServerTransaction } from '../../../src/transaction/non-invite-server.js';
import { TransactionTable } from '../../../src/transaction/transaction-table.js';
import { FakeClock } from './fake-clock.js';

/** Where the transaction's responses go (§18.2.2, computed by the transaction user). */
const PEER = { address: '192.0.2.7', port: 5070 };

type Tx = NonInviteServerTransaction<object>;

function setup(max: number) {
  const clock = new FakeClock();
  const table = new TransactionTable<Tx>(max, clock);
  const ended: string[] = [];
  const make = (key: string): Tx =>
    new NonInviteServerTransaction(
      {
        key,
        reliable: false,
        timers: { t1: 500, t2: 4000, t4: 5000 },
        clock,
        send: () => undefined,
        to: PEER,
        onTerminated: (k, why) => {
          ended.push(`${k}: ${why}`);
          table.remove(k);
        },
        retire: (k, ms, replay) => table.retire(k, ms, replay),
      },
      {},
    );
  return { clock, table, ended, make };
}

describe('transaction table (bounded, oldest first)', () => {
  it('evicts the oldest live transaction when full, skipping those that already left', () => {
    const { table, ended, make } = setup(3);
    const txs = ['a', 'b', 'c'].map(make);
    for (const tx of txs) table.add(tx, undefined);
    (txs[0] as Tx).terminate('done'); // a leaves on its own
    table.add(make('d'), undefined);
    table.add(make('e'), undefined); // full again: b is now the oldest
    expect(ended).toEqual(['a: done', 'b: evicted: transaction table full']);
    expect(table.size).toBe(3);
    expect(table.evictions).toBe(1);
  });

  it('evicts lingering records before live transactions', () => {
    const { table, make } = setup(2);
    const done = make('done');
    table.add(done, undefined);
    done.respond(Buffer.from('SIP/2.0 404 Not Found\r\n\r\n'), 404); // Completed: retired, replaying
    const live = make('live');
    table.add(live, undefined);
    table.add(make('new'), undefined);
    expect(table.lingering('done')).toBeUndefined();
    expect(table.get('live')).toBe(live);
    expect(table.size).toBe(2);
  });

  it('keeps evicting in arrival order after thousands of transactions came and went', () => {
    const { table, ended, make } = setup(100);
    for (let i = 0; i < 5_000; i++) {
      const tx = make(`gone${i}`);
      table.add(tx, undefined);
      tx.terminate('done');
    }
    for (let i = 0; i < 150; i++) table.add(make(`k${i}`), undefined);
    expect(ended.filter((e) => e.includes('evicted'))).toEqual(Array.from({ length: 50 }, (_v, i) => `k${i}: evicted: transaction table full`));
    expect(table.get('k50')).toBeDefined();
  });
  it('holds a merge key (§8.2.2.2) while its transaction lives, then while it lingers, until Timer J', () => {
    const { clock, table, make } = setup(10);
    const tx = make('k1');
    table.add(tx, 'tag\u0000call\u00001\u0000OPTIONS');
    expect(table.holdsMerge('tag\u0000call\u00001\u0000OPTIONS')).toBe(true);
    expect(table.holdsMerge('tag\u0000call\u00002\u0000OPTIONS')).toBe(false);
    tx.respond(Buffer.from('SIP/2.0 404 Not Found\r\n\r\n'), 404); // Completed: retired, replaying for 64·T1
    expect(table.get('k1')).toBeUndefined();
    expect(table.lingering('k1')).toBeDefined();
    expect(table.holdsMerge('tag\u0000call\u00001\u0000OPTIONS')).toBe(true);
    clock.tick(32_000);
    expect(table.holdsMerge('tag\u0000call\u00001\u0000OPTIONS')).toBe(false);
    expect(table.lingering('k1')).toBeUndefined();
  });

  it('lets a merge key go with a transaction removed from the middle of the age list', () => {
    const { table, ended, make } = setup(3);
    const [a, b, c] = ['a', 'b', 'c'].map(make) as [Tx, Tx, Tx];
    table.add(a, 'ma');
    table.add(b, 'mb');
    table.add(c, 'mc');
    b.terminate('done');
    expect(table.holdsMerge('mb')).toBe(false);
    expect(table.holdsMerge('ma')).toBe(true);
    table.add(make('d'), undefined);
    table.add(make('e'), undefined); // full: a, then c, are the oldest
    expect(ended).toEqual(['b: done', 'a: evicted: transaction table full']);
    expect(table.holdsMerge('ma')).toBe(false);
    expect(table.values().map((t) => t.key).sort()).toEqual(['c', 'd', 'e']);
  });
});

describe('fifo (a Map\'s entries, oldest first)', () => {
  it('gives items back in order across compactions', () => {
    const map = new Map<string, number>();
    const q = new Fifo<number>(map, String);
    const out: number[] = [];
    for (let i = 0; i < 5_000; i++) {
      map.set(String(i), i);
      q.push(i);
      if (i % 2 === 1) {
        out.push(q.oldest() as number);
        q.shift();
      }
    }
    expect(out).toEqual(Array.from({ length: 2_500 }, (_v, i) => i));
    expect(q.length).toBe(2_500);
    expect(q.oldest()).toBe(2_500);
  });

  it('compacts once gone items outnumber the current ones, keeping their order', () => {
    const live = new Map<string, number>();
    const q = new Fifo<number>(live, String);
    for (let i = 0; i < 3_000; i++) {
      live.set(String(i), i);
      if (i % 10 !== 0) live.delete(String(i - 1)); // most items leave again at once
      q.push(i);
    }
    expect(q.length).toBeLessThanOrEqual(2 * live.size + 1024 + 1);
    const firsts: number[] = [];
    for (let n = 0; n < 5; n++) {
      const first = q.oldest();
      if (first === undefined) break;
      firsts.push(first);
      live.delete(String(first));
    }
    expect(firsts).toEqual([...new Set(firsts)].sort((a, b) => a - b));
    expect(firsts[0]).toBe(9);
  });

  it('keeps only its own items when it compacts a queue sharing its map with another', () => {
    const map = new Map<string, string>();
    const odd = new Fifo<string>(map, (x) => x);
    const even = new Fifo<string>(map, (x) => x);
    for (let i = 0; i < 100; i++) {
      map.set(`e${i}`, `e${i}`);
      even.push(`e${i}`);
    }
    // The odd queue's items all leave but the last few: it compacts (past 2 × 100 + 1024 items)
    // while the map still holds the even queue's.
    for (let i = 0; i < 3_000; i++) {
      map.set(`o${i}`, `o${i}`);
      odd.push(`o${i}`);
      if (i < 2_995) map.delete(`o${i}`);
    }
    expect(odd.length).toBeLessThan(2_000);
    const rest: string[] = [];
    for (let x = odd.oldest(); x !== undefined; x = odd.oldest()) {
      rest.push(x);
      odd.shift();
    }
    expect(rest).toEqual(['o2995', 'o2996', 'o2997', 'o2998', 'o2999']);
    expect(even.oldest()).toBe('e0');
    expect(even.length).toBe(100);
  });

  it('skips an item whose key the map now holds under a newer item', () => {
    const map = new Map<string, { k: string }>();
    const q = new Fifo(map, (x: { k: string }) => x.k);
    const a1 = { k: 'a' };
    const b = { k: 'b' };
    const a2 = { k: 'a' };
    for (const x of [a1, b, a2]) {
      map.set(x.k, x);
      q.push(x);
    }
    expect(q.oldest()).toBe(b);
  });
});
