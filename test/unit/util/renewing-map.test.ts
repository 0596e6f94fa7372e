import { describe, expect, it } from 'vitest';
import { RenewingMap } from '../../../src/util/renewing-map.js';

describe('RenewingMap', () => {
  it('answers like a Map across 20,000 additions and deletions of short-lived keys, renewing itself meanwhile', () => {
    const m = new RenewingMap<string, number>();
    const ref = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      m.set(`k${i}`, i);
      ref.set(`k${i}`, i);
      if (i >= 5) {
        expect(m.delete(`k${i - 5}`)).toBe(true);
        ref.delete(`k${i - 5}`);
      }
      if (i % 997 === 0) {
        expect(m.size).toBe(ref.size);
        expect([...m.values()]).toEqual([...ref.values()]);
      }
    }
    expect(m.get('k19999')).toBe(19_999);
    expect(m.has('k19994')).toBe(false);
    expect(m.delete('k19994')).toBe(false);
    // One copy per 1,024 additions while it holds few entries.
    expect(m.renewals).toBe(Math.floor(20_000 / 1024));
  });

  it('waits 4 × its size between copies, and never copies past 2,048 entries', () => {
    const mid = new RenewingMap<number, number>();
    for (let i = 0; i < 1_024; i++) mid.set(i, i);
    expect(mid.renewals).toBe(1); // at the 1,024th addition, holding 1,023: the next after 4,092 more
    for (let i = 1_024; i < 1_024 + 4_091; i++) {
      mid.set(i, i);
      mid.delete(i);
    }
    expect(mid.renewals).toBe(1);
    mid.set(-1, -1);
    expect(mid.renewals).toBe(2);
    expect(mid.size).toBe(1_025);

    const big = new RenewingMap<number, number>();
    for (let i = 0; i < 3_000; i++) big.set(i, i);
    const before = big.renewals;
    for (let i = 3_000; i < 40_000; i++) {
      big.set(i, i);
      big.delete(i - 3_000);
    }
    expect(big.renewals).toBe(before);
    expect(big.size).toBe(3_000);
    expect(big.get(39_999)).toBe(39_999);
  });

  it('lets an iterator taken before a copy finish over what it held', () => {
    const m = new RenewingMap<number, string>();
    for (let i = 0; i < 1_023; i++) m.set(i, `v${i}`);
    const it = m.values();
    m.set(1_023, 'v1023'); // the copy
    expect(m.renewals).toBe(1);
    expect([...it]).toHaveLength(1_023);
    m.clear();
    expect(m.size).toBe(0);
  });
});
