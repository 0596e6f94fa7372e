import { describe, expect, it } from 'vitest';
import { NonInviteServerTransaction } from '../../../src/transaction/non-invite-server.js';
import { FakeClock } from './fake-clock.js';

/** Where the transaction's responses go (§18.2.2, computed by the transaction user). */
const PEER = { address: '192.0.2.7', port: 5070 };

function setup(reliable = false) {
  const clock = new FakeClock();
  const sent: string[] = [];
  const ended: string[] = [];
  const tx = new NonInviteServerTransaction({
    key: 'k',
    reliable,
    timers: { t1: 500, t2: 4000, t4: 5000 },
    clock,
    send: (b, to) => sent.push(to === PEER ? b.toString() : `to ${to.address}:${to.port}: ${b.toString()}`),
    to: PEER,
    onTerminated: (_k, why) => ended.push(why),
  }, {});
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

  it('hands Completed to the table when it can (retire): replay the final for Timer J = 64·T1, no timer of its own', () => {
    const clock = new FakeClock();
    const retired: [string, number, string | undefined, unknown][] = [];
    const send = () => undefined;
    const tx = new NonInviteServerTransaction({
      key: 'k',
      reliable: false,
      timers: { t1: 500, t2: 4000, t4: 5000 },
      clock,
      send,
      to: PEER,
      onTerminated: () => undefined,
      retire: (key, ms, replay) => retired.push([key, ms, replay?.bytes.toString(), replay !== undefined && replay.send === send && replay.to]),
    }, {});
    tx.respond(R404, 404);
    expect(tx.state).toBe('completed');
    // The record replays through the transport's own send, to the transaction's destination.
    expect(retired).toEqual([['k', 32_000, R404.toString(), PEER]]);
    expect(clock.pending).toBe(0);
  });

  it('keeps Timer J 0 over TCP even when it could retire', () => {
    const retired: string[] = [];
    const ended: string[] = [];
    const tx = new NonInviteServerTransaction({
      key: 'k',
      reliable: true,
      timers: { t1: 500, t2: 4000, t4: 5000 },
      clock: new FakeClock(),
      send: () => undefined,
      to: PEER,
      onTerminated: (_k, why) => ended.push(why),
      retire: (key) => retired.push(key),
    }, {});
    tx.respond(R404, 404);
    expect(retired).toEqual([]);
    expect(ended).toEqual(['timer J (reliable)']);
  });
});
