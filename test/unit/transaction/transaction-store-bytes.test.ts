import { describe, expect, it } from 'vitest';
import { TX_OVERHEAD_BYTES } from '../../../src/transaction/transaction-store.js';
import { storeSetup } from './store-setup.js';

const setup = (maxBytes: number) => storeSetup(1000, maxBytes);

describe('transaction store byte budget (limits.memory.transactionsBytes)', () => {
  it('charges the keys, the request until the final response and the response kept for retransmission', () => {
    const { store, invite } = setup(1_000_000);
    const tx = invite('k1');
    store.put(tx, 'merge1', 700);
    expect(store.bytes).toBe(TX_OVERHEAD_BYTES + 2 + 6 + 700);
    store.charge(tx, 60_000, 0);
    expect(store.bytes).toBe(TX_OVERHEAD_BYTES + 2 + 6 + 60_000);
    store.charge(tx, 0, 0);
    expect(store.bytes).toBe(TX_OVERHEAD_BYTES + 2 + 6);
    store.delete('k1');
    expect(store.bytes).toBe(0);
  });

  it('ends the oldest transactions when the bytes go over, counts them, and keeps the newest', () => {
    const budget = 3 * (TX_OVERHEAD_BYTES + 2 + 10_000);
    const { store, ended, invite, deadlines } = setup(budget);
    const txs = ['t1', 't2', 't3', 't4'].map(invite);
    for (const tx of txs) {
      store.put(tx, undefined);
      tx.respond(Buffer.alloc(10_000), 486);
      store.charge(tx, 10_000, 0);
    }
    expect(ended).toEqual(['t1: evicted: transaction table full']);
    expect(store.evictions).toBe(1);
    expect(store.size).toBe(3);
    expect(store.bytes).toBe(budget);
    expect(txs[0]?.state).toBe('terminated');
    // A single response larger than the whole budget still goes out: everything older goes first.
    const big = invite('t5');
    store.put(big, undefined);
    store.charge(big, 2 * budget, 0);
    expect(ended.slice(1)).toEqual(['t2: evicted: transaction table full', 't3: evicted: transaction table full', 't4: evicted: transaction table full']);
    expect(store.get('t5')).toBe(big);
    expect(store.bytes).toBe(TX_OVERHEAD_BYTES + 2 + 2 * budget);
    store.clear();
    expect(store.bytes).toBe(0);
    expect(deadlines.size).toBe(0);
  });

  it('ignores a charge for a transaction it no longer holds', () => {
    const { store, invite } = setup(1_000_000);
    const tx = invite('gone');
    store.put(tx, undefined);
    tx.terminate('done');
    store.charge(tx, 5_000, 0);
    expect(store.bytes).toBe(0);
  });
});
