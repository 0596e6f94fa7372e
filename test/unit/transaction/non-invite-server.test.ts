import { describe, expect, it } from 'vitest';
import { NonInviteServerTransaction } from '../../../src/transaction/non-invite-server.js';
import { Deadlines } from '../../../src/util/deadlines.js';
import { FakeClock } from './fake-clock.js';

/** Where the transaction's responses go (§18.2.2, computed by the transaction user). */
const PEER = { address: '192.0.2.7', port: 5070 };

function setup(reliable = false, to: { address: string; port: number } = PEER) {
  const clock = new FakeClock();
  const sent: string[] = [];
  const ended: string[] = [];
  const env = { timers: { t1: 500, t2: 4000, t4: 5000 }, deadlines: new Deadlines(clock), onTerminated: (_k: string, why: string) => ended.push(why) };
  const send = (b: Buffer, dest: { address: string; port: number }) => sent.push(dest === PEER ? b.toString() : `to ${dest.address}:${dest.port}: ${b.toString()}`);
  const tx = new NonInviteServerTransaction(env, 'k', reliable, send, to, {});
  return { clock, sent, ended, tx };
}

const R100 = Buffer.from('SIP/2.0 100 Trying\r\n\r\n');
const R404 = Buffer.from('SIP/2.0 404 Not Found\r\n\r\n');

describe('non-INVITE server transaction (§17.2.2)', () => {
  it('discards retransmissions while Trying', () => {
    const { tx, sent } = setup();
    tx.onRetransmission();
    expect(tx.state).toBe('trying');
    expect(sent).toEqual([]);
  });

  it('answers retransmissions with the last provisional in Proceeding', () => {
    const { tx, sent } = setup();
    tx.respond(R100, 100);
    expect(tx.state).toBe('proceeding');
    tx.onRetransmission();
    expect(sent).toEqual([R100.toString(), R100.toString()]);
  });

  it('keeps its final response for Timer J in a slab of util/slabs.ts, not in a slab of the shared Buffer pool', () => {
    const clock = new FakeClock();
    const sent: Buffer[] = [];
    const env = { timers: { t1: 500, t2: 4000, t4: 5000 }, deadlines: new Deadlines(clock), onTerminated: () => undefined };
    const tx = new NonInviteServerTransaction(env, 'k', false, (b: Buffer) => sent.push(b), PEER, {});
    const pooled = Buffer.from('SIP/2.0 404 Not Found\r\n\r\n', 'latin1'); // a slice of the 8 KiB pool
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    tx.respond(pooled, 404);
    tx.onRetransmission();
    const kept = sent[1] as Buffer;
    expect(kept.buffer).not.toBe(pooled.buffer);
    expect([kept.buffer.byteLength, kept.toString('latin1')]).toEqual([1 << 20, pooled.toString('latin1')]);
  });

  it('answers retransmissions with the cached final response in Completed, never on its own', () => {
    const { tx, sent, clock } = setup();
    tx.respond(R404, 404);
    expect(tx.state).toBe('completed');
    clock.tick(10_000);
    expect(sent).toEqual([R404.toString()]);
    tx.onRetransmission();
    expect(sent).toEqual([R404.toString(), R404.toString()]);
  });

  it('terminates at Timer J = 64·T1 over UDP and clears its timers', () => {
    const { tx, clock, ended } = setup();
    tx.respond(R404, 404);
    clock.tick(31_999);
    expect(tx.state).toBe('completed');
    clock.tick(1);
    expect(tx.state).toBe('terminated');
    expect(ended).toEqual(['timer J']);
    expect(clock.pending).toBe(0);
  });

  it('terminates at once over TCP (Timer J = 0)', () => {
    const { tx, ended } = setup(true);
    tx.respond(R404, 404);
    expect(tx.state).toBe('terminated');
    expect(ended).toEqual(['timer J (reliable)']);
  });

  it('refuses responses once Completed', () => {
    const { tx, sent } = setup();
    tx.respond(R404, 404);
    expect(tx.respond(R100, 100)).toBe(false);
    expect(sent).toHaveLength(1);
  });

  it('stays one object through Completed, replaying to its destination until Timer J', () => {
    const { tx, clock, sent, ended } = setup(false, { address: '198.51.100.9', port: 5999 });
    tx.respond(R404, 404);
    expect(clock.pending).toBe(1);
    clock.tick(31_999);
    tx.onRetransmission();
    expect(sent).toEqual([`to 198.51.100.9:5999: ${R404.toString()}`, `to 198.51.100.9:5999: ${R404.toString()}`]);
    clock.tick(1);
    expect(ended).toEqual(['timer J']);
    tx.onRetransmission();
    expect(sent).toHaveLength(2);
  });

});
