import { describe, expect, it } from 'vitest';
import { LingeringTransactions, SWEEP_SLACK_MS, type Lingering, type Replay } from '../../../src/transaction/lingering.js';
import { FakeClock } from './fake-clock.js';

const BYTES = Buffer.from('SIP/2.0 404 Not Found\r\nContent-Length: 0\r\n\r\n');
const PEER = { address: '192.0.2.7', port: 5070 };

function setup() {
  const clock = new FakeClock();
  clock.tick(1_000); // a table created at a non-zero time
  const sent: string[] = [];
  const table = new LingeringTransactions(clock);
  const send = (b: Buffer, to: { address: string; port: number }) => sent.push(`${to.address}:${to.port} ${b.toString()}`);
  const replay: Replay = { bytes: BYTES, send, to: PEER };
  return { clock, table, sent, send, replay };
}

function replayed(r: Lingering | undefined): Replay {
  if (r === undefined || r === 'absorb') throw new Error(`expected a replay, got ${String(r)}`);
  return r;
}

describe('lingering transactions (the passive end of §17.2.1 / §17.2.2)', () => {
  it('absorbs until exactly its deadline (Timer I = T4), then finds nothing', () => {
    const { clock, table } = setup();
    table.absorb('k', 5_000, undefined);
    clock.tick(4_999);
    expect(table.get('k')).toBe('absorb');
    clock.tick(1);
    expect(table.get('k')).toBeUndefined();
    expect(table.size).toBe(0);
  });

  it('replays the cached bytes to the same destination through the same sender until exactly 64·T1 (Timer J)', () => {
    const { clock, table, replay, send } = setup();
    table.replay('k', 32_000, undefined, replay);
    clock.tick(31_999);
    const r = replayed(table.get('k'));
    expect(r.bytes.equals(BYTES)).toBe(true);
    expect(r.to).toEqual(PEER);
    expect(r.send).toBe(send);
    clock.tick(1);
    expect(table.get('k')).toBeUndefined();
  });

  it('hands out a copy of the bytes, so a send still queued keeps them after the record is gone', () => {
    const { table, replay } = setup();
    table.replay('k', 32_000, undefined, replay);
    const first = replayed(table.get('k'));
    table.delete('k');
    for (let i = 0; i < 2_000; i++) table.replay(`other${i}`, 32_000, undefined, { ...replay, bytes: Buffer.alloc(BYTES.length, 0x58) });
    expect(first.bytes.equals(BYTES)).toBe(true);
  });

  it('tells apart keys that share a prefix, differ in one byte or in length', () => {
    const { table, replay } = setup();
    table.absorb('z9hG4bK1\u0000192.0.2.7:5070\u0000INVITE', 5_000, undefined);
    table.replay('z9hG4bK1\u0000192.0.2.7:5070\u0000OPTIONS', 32_000, undefined, replay);
    expect(table.get('z9hG4bK1\u0000192.0.2.7:5070\u0000INVITE')).toBe('absorb');
    expect(table.get('z9hG4bK1\u0000192.0.2.7:5070\u0000INVITF')).toBeUndefined();
    expect(table.get('z9hG4bK1\u0000192.0.2.7:5070\u0000INVIT')).toBeUndefined();
    expect(table.get('z9hG4bK1\u0000192.0.2.7:5071\u0000INVITE')).toBeUndefined();
    expect(replayed(table.get('z9hG4bK1\u0000192.0.2.7:5070\u0000OPTIONS')).bytes.equals(BYTES)).toBe(true);
  });

  it('keeps latin1 keys (header bytes 0x80–0xff) exactly', () => {
    const { table } = setup();
    const key = Buffer.from([0x7a, 0xe9, 0xff, 0x00, 0x80]).toString('latin1');
    table.absorb(key, 5_000, undefined);
    expect(table.get(key)).toBe('absorb');
    expect(table.get(Buffer.from([0x7a, 0xe9, 0xfe, 0x00, 0x80]).toString('latin1'))).toBeUndefined();
  });

  it('reclaims expired records with one sweep timer, at most SWEEP_SLACK_MS late', () => {
    const { clock, table, replay } = setup();
    for (let i = 0; i < 100; i++) table.absorb(`a${i}`, 5_000, undefined);
    table.replay('r', 32_000, undefined, replay);
    expect(clock.pending).toBe(1);
    clock.tick(5_000 + SWEEP_SLACK_MS);
    expect(table.size).toBe(1);
    clock.tick(27_000);
    expect(table.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('brings the sweep forward when a shorter-lived record comes after it was armed', () => {
    const { clock, table, replay } = setup();
    table.replay('r', 32_000, undefined, replay); // the sweep is armed for 32 s
    for (let i = 0; i < 100; i++) table.absorb(`a${i}`, 5_000, undefined);
    expect(clock.pending).toBe(1);
    clock.tick(5_000 + SWEEP_SLACK_MS);
    expect(table.size).toBe(1);
  });

  it('re-arms for later records when the sweep finds some still live', () => {
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

  it('keeps one record per key: a later absorb replaces a replay and restarts the deadline', () => {
    const { clock, table, replay } = setup();
    table.replay('k', 1_000, undefined, replay);
    table.absorb('k', 5_000, undefined);
    expect(table.size).toBe(1);
    clock.tick(4_000);
    expect(table.get('k')).toBe('absorb');
  });

  it('holds a merge key (§8.2.2.2) exactly until the deadline of its record', () => {
    const { clock, table, replay } = setup();
    table.absorb('a', 5_000, 'tag\u0000call\u00001\u0000INVITE');
    table.replay('r', 32_000, 'tag\u0000call\u00002\u0000OPTIONS', replay);
    expect(table.holdsMerge('tag\u0000call\u00001\u0000INVITE')).toBe(true);
    expect(table.holdsMerge('tag\u0000call\u00002\u0000OPTIONS')).toBe(true);
    expect(table.holdsMerge('tag\u0000call\u00003\u0000INVITE')).toBe(false);
    clock.tick(4_999);
    expect(table.holdsMerge('tag\u0000call\u00001\u0000INVITE')).toBe(true);
    clock.tick(1);
    expect(table.holdsMerge('tag\u0000call\u00001\u0000INVITE')).toBe(false);
    expect(table.get('a')).toBeUndefined();
    expect(table.holdsMerge('tag\u0000call\u00002\u0000OPTIONS')).toBe(true);
  });

  it('lets a merge key go with its record, however the record goes (sweep, eviction, replacement, delete)', () => {
    const { clock, table } = setup();
    table.absorb('a', 1_000, 'm-a');
    table.absorb('b', 9_000, 'm-b');
    table.absorb('c', 9_000, 'm-c');
    table.absorb('d', 9_000, 'm-d');
    clock.tick(1_000 + SWEEP_SLACK_MS); // the sweep takes a
    expect(table.size).toBe(3);
    expect(table.evictOne()).toBe(true); // b, the nearest deadline
    table.absorb('c', 9_000, undefined); // replaced, without a merge key now
    table.delete('d');
    for (const m of ['m-a', 'm-b', 'm-c', 'm-d']) expect(table.holdsMerge(m)).toBe(false);
    expect(table.get('c')).toBe('absorb');
  });

  it('keeps each kind with its own deadline', () => {
    const { clock, table, replay } = setup();
    table.absorb('a', 5_000, 'm1');
    table.replay('r', 32_000, undefined, replay);
    expect(table.get('a')).toBe('absorb');
    clock.tick(5_000 + SWEEP_SLACK_MS);
    expect(table.get('a')).toBeUndefined();
    expect(table.holdsMerge('m1')).toBe(false);
    expect(replayed(table.get('r')).bytes.equals(BYTES)).toBe(true);
    expect(table.size).toBe(1);
  });

  it('evicts the record nearest its deadline first', () => {
    const { table, replay } = setup();
    table.replay('r', 32_000, undefined, replay);
    table.absorb('a', 5_000, undefined);
    expect(table.evictOne()).toBe(true);
    expect(table.get('a')).toBeUndefined();
    expect(table.get('r')).toBeDefined();
    expect(table.evictOne()).toBe(true);
    expect(table.evictOne()).toBe(false);
  });

  it('clear() drops every record and its sweep timer', () => {
    const { clock, table, replay } = setup();
    table.absorb('k', 5_000, 'm');
    table.replay('r', 32_000, undefined, replay);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.get('k')).toBeUndefined();
    expect(table.holdsMerge('m')).toBe(false);
    expect(clock.pending).toBe(0);
    table.absorb('k', 5_000, undefined);
    expect(table.get('k')).toBe('absorb');
  });

  it('evicts in deadline order across thousands of records, skipping ones replaced or expired meanwhile', () => {
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

  it('replays a response larger than a storage block whole', () => {
    const { table, replay } = setup();
    const big = Buffer.alloc(300 * 1024, 0x41);
    table.replay('small', 32_000, undefined, replay);
    table.replay('big', 32_000, 'm-big', { ...replay, bytes: big });
    table.replay('after', 32_000, undefined, replay);
    expect(replayed(table.get('big')).bytes.equals(big)).toBe(true);
    expect(replayed(table.get('after')).bytes.equals(BYTES)).toBe(true);
    expect(table.holdsMerge('m-big')).toBe(true);
  });
});
