import { describe, expect, it } from 'vitest';
import { BindingTable, type BindingRequest } from '../../../src/registrar/bindings.js';
import { parseUri } from '../../../src/sip/parse-uri.js';
import { Deadlines } from '../../../src/util/deadlines.js';
import { FakeClock } from '../transaction/fake-clock.js';

function contact(uri: string, expires: number): BindingRequest {
  const parsed = parseUri(uri);
  if (parsed === undefined) throw new Error(`bad test URI ${uri}`);
  return { uri: parsed, contact: `<${uri}>`, expires };
}

function setup() {
  const clock = new FakeClock();
  const deadlines = new Deadlines(clock);
  return { clock, deadlines, table: new BindingTable(clock, deadlines) };
}

const first = { callId: 'c1@test', cseq: 1 };

describe('registrar bindings table (§10.3)', () => {
  it('adds a binding with the granted expiry and reports the seconds left (§10.3 step 8)', () => {
    const { clock, table } = setup();
    const out = table.update('alice', first, [contact('sip:alice@192.0.2.1:5070', 60)], 10);
    expect(out).toEqual({ kind: 'ok', bindings: [expect.objectContaining({ contact: '<sip:alice@192.0.2.1:5070>', expires: 60 })] });
    clock.tick(20_500);
    expect(table.current('alice').map((b) => b.expires)).toEqual([40]);
  });

  it('forgets a binding when its expiry passes, and clears nothing else (§10.3 step 7)', () => {
    const { clock, deadlines, table } = setup();
    table.update('alice', first, [contact('sip:a@192.0.2.1', 60), contact('sip:b@192.0.2.1', 120)], 10);
    expect(deadlines.size).toBe(2);
    clock.tick(60_000);
    expect(table.current('alice').map((b) => b.contact)).toEqual(['<sip:b@192.0.2.1>']);
    expect(table.size).toBe(1);
    expect(deadlines.size).toBe(1);
    clock.tick(60_000);
    expect(table.current('alice')).toEqual([]);
    expect(table.size).toBe(0);
    expect(deadlines.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('refreshes an equal Contact URI in place, restarting its expiry (§10.3 step 7, §19.1.4)', () => {
    const { clock, deadlines, table } = setup();
    table.update('alice', first, [contact('sip:alice@192.0.2.1;transport=udp', 60)], 10);
    clock.tick(50_000);
    table.update('alice', { callId: 'c1@test', cseq: 2 }, [contact('sip:alice@192.0.2.1;TRANSPORT=UDP', 60)], 10);
    expect(deadlines.size).toBe(1);
    clock.tick(50_000);
    expect(table.current('alice').map((b) => b.expires)).toEqual([10]);
  });

  it('removes a binding asked with expires 0 and cancels its expiry (§10.3 step 7)', () => {
    const { clock, deadlines, table } = setup();
    table.update('alice', first, [contact('sip:alice@192.0.2.1', 60)], 10);
    const out = table.update('alice', { callId: 'c1@test', cseq: 2 }, [contact('sip:alice@192.0.2.1', 0)], 10);
    expect(out).toEqual({ kind: 'ok', bindings: [] });
    expect(deadlines.size).toBe(0);
    expect(clock.pending).toBe(0);
    expect(table.size).toBe(0);
  });

  it('removes every binding for Contact * and clears every timer (§10.3 step 6)', () => {
    const { deadlines, table } = setup();
    table.update('alice', first, [contact('sip:a@192.0.2.1', 60), contact('sip:b@192.0.2.1', 60)], 10);
    table.update('bob', first, [contact('sip:bob@192.0.2.2', 60)], 10);
    expect(table.removeAll('alice', { callId: 'other@test', cseq: 1 })).toEqual({ kind: 'ok', bindings: [] });
    expect(table.current('alice')).toEqual([]);
    expect(table.current('bob')).toHaveLength(1);
    expect(deadlines.size).toBe(1);
  });

  it.each([
    ['the same CSeq', 1],
    ['a lower CSeq', 0],
  ])('refuses an update from the same Call-ID with %s, changing nothing (§10.3 step 7)', (_what, cseq) => {
    const { table } = setup();
    table.update('alice', { callId: 'c1@test', cseq: 1 }, [contact('sip:alice@192.0.2.1', 60)], 10);
    expect(table.update('alice', { callId: 'c1@test', cseq }, [contact('sip:new@192.0.2.9', 60), contact('sip:alice@192.0.2.1', 0)], 10)).toEqual({ kind: 'out-of-order' });
    expect(table.removeAll('alice', { callId: 'c1@test', cseq })).toEqual({ kind: 'out-of-order' });
    expect(table.current('alice').map((b) => b.contact)).toEqual(['<sip:alice@192.0.2.1>']);
  });

  it('lets another Call-ID update a binding whatever its CSeq (§10.3 step 7)', () => {
    const { table } = setup();
    table.update('alice', { callId: 'c1@test', cseq: 9 }, [contact('sip:alice@192.0.2.1', 60)], 10);
    const out = table.update('alice', { callId: 'c2@test', cseq: 1 }, [contact('sip:alice@192.0.2.1', 120)], 10);
    expect(out.kind === 'ok' && out.bindings.map((b) => b.expires)).toEqual([120]);
  });

  it('takes the last of two Contacts with one URI in a single REGISTER instead of failing', () => {
    const { table } = setup();
    const out = table.update('alice', first, [contact('sip:alice@192.0.2.1', 60), contact('sip:alice@192.0.2.1', 90)], 10);
    expect(out.kind === 'ok' && out.bindings.map((b) => b.expires)).toEqual([90]);
  });

  it('is bounded: refuses a REGISTER that would exceed maxContacts, committing none of it', () => {
    const { deadlines, table } = setup();
    table.update('alice', first, [contact('sip:a@192.0.2.1', 60), contact('sip:b@192.0.2.1', 60)], 2);
    const out = table.update('alice', { callId: 'c1@test', cseq: 2 }, [contact('sip:a@192.0.2.1', 0), contact('sip:c@192.0.2.1', 60), contact('sip:d@192.0.2.1', 60)], 2);
    expect(out).toEqual({ kind: 'too-many', limit: 2 });
    expect(table.current('alice').map((b) => b.contact)).toEqual(['<sip:a@192.0.2.1>', '<sip:b@192.0.2.1>']);
    expect(deadlines.size).toBe(2);
    // Swapping one binding for another stays within the bound and is accepted.
    expect(table.update('alice', { callId: 'c1@test', cseq: 3 }, [contact('sip:a@192.0.2.1', 0), contact('sip:c@192.0.2.1', 60)], 2).kind).toBe('ok');
  });

  it('never shows a binding past its expiry, even before its timer has run', () => {
    const clock = new FakeClock();
    const late = { now: () => clock.now(), setTimer: () => ({}), clearTimer: () => {} };
    const table = new BindingTable(late);
    table.update('alice', first, [contact('sip:alice@192.0.2.1', 60)], 10);
    clock.tick(60_000);
    expect(table.current('alice')).toEqual([]);
    expect(table.update('alice', first, [contact('sip:alice@192.0.2.1', 60)], 10).kind).toBe('ok');
    expect(table.size).toBe(1);
  });

  it('re-arms an expiry longer than one setTimeout can wait (2^31-1 ms)', () => {
    const { clock, deadlines, table } = setup();
    const days30 = 30 * 86_400;
    table.update('alice', first, [contact('sip:alice@192.0.2.1', days30)], 10);
    clock.tick(2_147_483_647);
    expect(table.current('alice')).toHaveLength(1);
    expect(deadlines.size).toBe(1);
    expect(clock.pending).toBe(1);
    clock.tick(days30 * 1000 - 2_147_483_647);
    expect(table.current('alice')).toEqual([]);
    expect(deadlines.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('cancels every expiry on close', () => {
    const { clock, deadlines, table } = setup();
    table.update('alice', first, [contact('sip:a@192.0.2.1', 60)], 10);
    table.update('bob', first, [contact('sip:b@192.0.2.1', 60)], 10);
    table.close();
    expect(deadlines.size).toBe(0);
    expect(clock.pending).toBe(0);
    expect(table.size).toBe(0);
  });
});
