import { describe, expect, it } from 'vitest';
import { fullCollection, startIdleCollection } from '../../../src/util/idle-collect.js';
import { FakeClock } from '../transaction/fake-clock.js';

/** Checks every 5 s; a flood is 1,000 messages, quiet is under 10 in a check; 64·T1 = 32 s. */
function setup() {
  const clock = new FakeClock();
  const live = { messages: 0, transactions: 0 };
  const at: number[] = [];
  const idle = startIdleCollection({
    clock,
    messages: () => live.messages,
    transactions: () => live.transactions,
    maxWaitMs: () => 32_000,
    collect: () => at.push(clock.now()),
    everyMs: 5_000,
    busyMessages: 1_000,
    quietMessages: 10,
  });
  /** `n` messages in each of the next `checks` checks. */
  const traffic = (n: number, checks: number) => {
    for (let i = 0; i < checks; i++) {
      live.messages += n;
      clock.tick(5_000);
    }
  };
  return { clock, live, at, idle, traffic };
}

describe('one full collection when a flood is over (src/util/idle-collect.ts)', () => {
  it('collects once, at the first quiet check with no live transaction, and not again while quiet', () => {
    const { at, idle, traffic } = setup();
    traffic(600, 2); // 1,200 messages in 10 s
    expect(at).toEqual([]);
    traffic(0, 1);
    expect(at).toEqual([15_000]);
    traffic(0, 20);
    expect(at).toEqual([15_000]);
    expect(idle.collections()).toBe(1);
  });

  it('waits for the transactions to end (Timer H/J), or for 64·T1 of quiet if they do not', () => {
    const { at, live, traffic } = setup();
    live.transactions = 5;
    traffic(1_000, 1);
    traffic(0, 3); // quiet from the check at 10 s
    expect(at).toEqual([]);
    live.transactions = 0;
    traffic(0, 1);
    expect(at).toEqual([25_000]);

    live.transactions = 1; // one held by a delayed final, for longer than 64·T1
    traffic(1_000, 1);
    traffic(0, 7); // quiet from the check at 35 s; 32 s later is 67 s
    expect(at).toEqual([25_000]);
    traffic(0, 1);
    expect(at).toEqual([25_000, 70_000]);
  });

  it('a trickle (every check quiet) is collected for only once it adds up to a flood, and busy traffic never', () => {
    const { at, traffic } = setup();
    traffic(9, 111); // 999 messages, each check quiet
    expect(at).toEqual([]);
    traffic(9, 89); // 1,800 in all: the 1,000th came at the 112th check
    expect(at).toHaveLength(1);
    const { at: busy, traffic: busyTraffic } = setup();
    busyTraffic(50, 100); // 5,000 messages, never a quiet check
    expect(busy).toEqual([]);
  });

  it('stops: no timer left armed', () => {
    const { clock, idle } = setup();
    expect(clock.pending).toBe(1);
    idle.stop();
    expect(clock.pending).toBe(0);
  });

  it('runs a real full collection without --expose-gc, and says what the heap held before and after', () => {
    const made = (() => Array.from({ length: 200_000 }, (_, i) => ({ i })).length)(); // garbage once it returns
    expect(made).toBe(200_000);
    const r = fullCollection();
    expect(r.heapUsedMiB[1]).toBeLessThanOrEqual(r.heapUsedMiB[0]);
    expect(r.externalMiB).toHaveLength(2);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });

  it('compacts: pages of the old generation that kept a few objects each are given back', () => {
    // Promote 400,000 objects (two full collections), then keep one in eight: every page keeps
    // something, so only compaction can give pages back.
    const kept = (() => {
      const all = Array.from({ length: 400_000 }, (_, i) => ({ a: i, b: `x${i}` }));
      fullCollection();
      fullCollection();
      return all.filter((_, i) => i % 8 === 0);
    })();
    const r = fullCollection();
    expect(kept).toHaveLength(50_000);
    expect(r.heapTotalMiB[0] - r.heapTotalMiB[1]).toBeGreaterThanOrEqual(10);
  });
});
