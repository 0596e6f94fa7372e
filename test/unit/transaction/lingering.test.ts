import { describe, expect, it, vi } from 'vitest';
import { LingeringTransactions, SWEEP_SLACK_MS } from '../../../src/transaction/lingering.js';
import { FakeClock } from './fake-clock.js';

const BYTES = Buffer.from('SIP/2.0 404 Not Found\r\n\r\n');

function setup() {
  const clock = new FakeClock();
  clock.tick(1_000); // a table created at a non-zero time
  const sent: string[] = [];
  const table = new LingeringTransactions(clock);
  const send = (b: Buffer) => sent.push(b.toString());
  return { clock, table, sent, send };
}

describe('lingering transactions (the passive end of §17.2.1 / §17.2.2)', () => {
  it('absorbs until exactly its deadline (Timer I = T4), then finds nothing', () => {
    const { clock, table } = setup();
    table.absorb('k', 5_000, undefined);
    clock.tick(4_999);
    expect(table.get('k')).toBe('absorb');
    clock.tick(1);
    expect(table.get('k')).toBeUndefined();
  });

  it('replays the cached bytes until exactly 64·T1 (Timer J)', () => {
    const { clock, table, send } = setup();
    table.replay('k', 32_000, undefined, { bytes: BYTES, send });
    clock.tick(31_999);
    const r = table.get('k');
    expect(r).not.toBe('absorb');
    expect(r === undefined || r === 'absorb' ? undefined : r.bytes).toBe(BYTES);
    clock.tick(1);
    expect(table.get('k')).toBeUndefined();
  });

  it('reclaims expired entries with one sweep timer, at most SWEEP_SLACK_MS late', () => {
    const { clock, table, send } = setup();
    for (let i = 0; i < 100; i++) table.absorb(`a${i}`, 5_000, undefined);
    table.replay('r', 32_000, undefined, { bytes: BYTES, send });
    expect(clock.pending).toBe(1);
    clock.tick(5_000 + SWEEP_SLACK_MS);
    expect(table.size).toBe(1);
    clock.tick(27_000);
    expect(table.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('re-arms for later entries when the sweep finds some still live', () => {
    const { clock, table } = setup();
    table.absorb('early', 5_000, undefined);
    clock.tick(3_000);
    table.absorb('late', 5_000, undefined);
    clock.tick(2_000 + SWEEP_SLACK_MS);
    expect(table.get('early')).toBeUndefined();
    expect(table.get('late')).toBe('absorb');
    expect(table.size).toBe(1);
    clock.tick(3_000);
    expect(table.size).toBe(0);
  });

  it('keeps one entry per key: a later absorb replaces a replay and restarts the deadline', () => {
    const { clock, table, send } = setup();
    table.replay('k', 1_000, undefined, { bytes: BYTES, send });
    table.absorb('k', 5_000, undefined);
    expect(table.size).toBe(1);
    clock.tick(4_000);
    expect(table.get('k')).toBe('absorb');
  });

  it('keeps each kind with its own deadline and reports the merge key of the entry that goes', () => {
    const clock = new FakeClock();
    const dropped: string[] = [];
    const table = new LingeringTransactions(clock, (key, merge) => dropped.push(`${key}/${merge ?? '-'}`));
    const send = vi.fn();
    table.absorb('a', 5_000, 'm1');
    table.replay('r', 32_000, undefined, { bytes: BYTES, send });
    expect(table.get('a')).toBe('absorb');
    expect(table.get('r')).toEqual({ bytes: BYTES, send });
    clock.tick(5_000 + SWEEP_SLACK_MS);
    expect(table.get('a')).toBeUndefined();
    expect(dropped).toEqual(['a/m1']);
    expect(table.size).toBe(1);
  });

  it('evicts the entry nearest its deadline first', () => {
    const { table, send } = setup();
    table.replay('r', 32_000, undefined, { bytes: BYTES, send });
    table.absorb('a', 5_000, undefined);
    expect(table.evictOne()).toBe(true);
    expect(table.get('a')).toBeUndefined();
    expect(table.get('r')).toBeDefined();
    expect(table.evictOne()).toBe(true);
    expect(table.evictOne()).toBe(false);
  });

  it('clear() drops every entry and its sweep timer', () => {
    const { clock, table } = setup();
    table.absorb('k', 5_000, undefined);
    table.clear();
    expect(table.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('tells its owner of every entry that goes, with its merge key (expiry, sweep, eviction, replacement)', () => {
    const clock = new FakeClock();
    const dropped: [string, string | undefined][] = [];
    const table = new LingeringTransactions(clock, (key, merge) => dropped.push([key, merge]));
    table.absorb('a', 1_000, 'm-a');
    table.absorb('b', 1_000, 'm-b');
    table.absorb('c', 9_000, undefined);
    table.absorb('d', 9_000, 'm-d');
    clock.tick(1_000);
    expect(table.get('a')).toBeUndefined(); // exact expiry on lookup
    clock.tick(SWEEP_SLACK_MS); // the sweep takes b
    expect(table.evictOne()).toBe(true); // c, the nearest deadline
    table.absorb('d', 9_000, 'm-d2'); // replaced
    expect(dropped).toEqual([
      ['a', 'm-a'],
      ['b', 'm-b'],
      ['c', undefined],
      ['d', 'm-d'],
    ]);
  });

  it('evicts in deadline order across thousands of entries, skipping ones replaced or expired meanwhile', () => {
    const { clock, table } = setup();
    for (let i = 0; i < 5_000; i++) table.absorb(`k${i}`, 5_000, undefined);
    table.absorb('k0', 5_000, undefined); // k0 re-armed: now the newest
    clock.tick(1);
    for (let i = 0; i < 2_000; i++) expect(table.evictOne()).toBe(true);
    expect(table.get('k1999')).toBeUndefined();
    expect(table.get('k2001')).toBe('absorb');
    expect(table.get('k0')).toBe('absorb');
    expect(table.size).toBe(3_000);
    clock.tick(5_000 + SWEEP_SLACK_MS);
    expect(table.size).toBe(0);
    expect(table.evictOne()).toBe(false);
  });
});
