import { describe, expect, it } from 'vitest';
import { InviteServerTransaction } from '../../../src/transaction/invite-server.js';
import { IllegalTransitionError } from '../../../src/transaction/fsm.js';
import { Deadlines } from '../../../src/util/deadlines.js';
import { FakeClock } from './fake-clock.js';

/** Where the transaction's responses go (§18.2.2, computed by the transaction user). */
const PEER = { address: '192.0.2.7', port: 5070 };

const T = { t1: 500, t2: 4000, t4: 5000 };

function setup(reliable = false) {
  const clock = new FakeClock();
  const sent: { at: number; text: string; to?: { address: string; port: number } }[] = [];
  const ended: string[] = [];
  const env = { timers: T, deadlines: new Deadlines(clock), onTerminated: (_k: string, why: string) => ended.push(why) };
  const send = (b: Buffer, to: { address: string; port: number }) => sent.push({ at: clock.now(), text: b.toString(), ...(to === PEER ? {} : { to }) });
  const tx = new InviteServerTransaction(env, 'k', reliable, send, PEER, {});
  return { clock, sent, ended, tx, deadlines: env.deadlines };
}

const R486 = Buffer.from('SIP/2.0 486 Busy Here\r\n\r\n');
const R180 = Buffer.from('SIP/2.0 180 Ringing\r\n\r\n');
const R200 = Buffer.from('SIP/2.0 200 OK\r\n\r\n');

describe('INVITE server transaction (§17.2.1)', () => {
  it('starts in Proceeding and stays there for provisional responses', () => {
    const { tx, sent } = setup();
    expect(tx.state).toBe('proceeding');
    expect(tx.respond(R180, 180)).toBe(true);
    expect(tx.state).toBe('proceeding');
    expect(sent).toHaveLength(1);
  });

  it('resends the most recent provisional when the INVITE is retransmitted in Proceeding', () => {
    const { tx, sent } = setup();
    tx.respond(R180, 180);
    tx.onRetransmission();
    expect(sent.map((s) => s.text)).toEqual([R180.toString(), R180.toString()]);
  });

  it('retransmits a non-2xx final over UDP at 500 ms, 1 s, 2 s, 4 s, 4 s … (Timer G capped at T2)', () => {
    const { tx, sent, clock } = setup();
    tx.respond(R486, 486);
    expect(tx.state).toBe('completed');
    clock.tick(16_000);
    // first send at 0, then G fires at 500, 1500, 3500, 7500, 11500, 15500
    expect(sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500]);
    const gaps = sent.slice(1).map((s, i) => s.at - (sent[i] as { at: number }).at);
    expect(gaps).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
  });

  it('gives up at Timer H (64·T1 = 32 s) when no ACK arrives, and clears every timer', () => {
    const { tx, ended, clock } = setup();
    tx.respond(R486, 486);
    clock.tick(31_999);
    expect(tx.state).toBe('completed');
    clock.tick(1);
    expect(tx.state).toBe('terminated');
    expect(ended).toEqual(['timer H: no ACK']);
    expect(clock.pending).toBe(0);
  });

  it('absorbs the ACK: Completed → Confirmed, retransmissions stop, Timer I (T4) ends it', () => {
    const { tx, sent, clock, ended } = setup();
    tx.respond(R486, 486);
    clock.tick(600); // one retransmission at 500
    tx.onAck();
    expect(tx.state).toBe('confirmed');
    const count = sent.length;
    clock.tick(4_999);
    expect(sent.length).toBe(count);
    expect(tx.state).toBe('confirmed');
    clock.tick(1);
    expect(tx.state).toBe('terminated');
    expect(ended).toEqual(['timer I']);
    expect(clock.pending).toBe(0);
  });

  it('leaves the earlier deadline in the queue on the ACK, and Timer I still ends it at exactly T4', () => {
    const { tx, sent, clock, ended, deadlines } = setup();
    tx.respond(R486, 486); // Timer G due at 500, Timer H at 32 s
    let moves = 0;
    const reschedule = deadlines.reschedule.bind(deadlines);
    deadlines.reschedule = (d, ms) => {
      moves++;
      reschedule(d, ms);
    };
    clock.tick(100);
    tx.onAck(); // Timer I due at 5,100: later than Timer G's 500, so nothing is moved now
    expect(moves).toBe(0);
    clock.tick(400); // the stale deadline at 500 fires, finds nothing due, and arms Timer I
    expect(moves).toBe(1);
    expect(sent).toHaveLength(1);
    clock.tick(4_599);
    expect(tx.state).toBe('confirmed');
    clock.tick(1);
    expect(ended).toEqual(['timer I']);
    expect(clock.pending).toBe(0);
  });

  it('absorbs retransmitted INVITEs and ACKs in Confirmed without sending anything', () => {
    const { tx, sent } = setup();
    tx.respond(R486, 486);
    tx.onAck();
    const count = sent.length;
    tx.onRetransmission();
    tx.onAck();
    expect(sent.length).toBe(count);
  });

  it('resends the final response, byte for byte, to a retransmitted INVITE in Completed', () => {
    const { tx, sent } = setup();
    tx.respond(R486, 486);
    tx.onRetransmission();
    expect(sent.map((s) => s.text)).toEqual([R486.toString(), R486.toString()]);
  });

  it('does not retransmit over TCP and terminates at once on ACK (Timer I = 0)', () => {
    const { tx, sent, clock, ended } = setup(true);
    tx.respond(R486, 486);
    clock.tick(10_000);
    expect(sent).toHaveLength(1);
    tx.onAck();
    expect(tx.state).toBe('terminated');
    expect(ended).toEqual(['confirmed']);
  });

  it('still fires Timer H over TCP when the ACK never comes', () => {
    const { tx, clock, ended } = setup(true);
    tx.respond(R486, 486);
    clock.tick(32_000);
    expect(ended).toEqual(['timer H: no ACK']);
  });

  it('moves to Accepted on a 2xx and retransmits it until the ACK (§13.3.1.4, RFC 6026)', () => {
    const { tx, sent, clock } = setup();
    tx.respond(R200, 200);
    expect(tx.state).toBe('accepted');
    clock.tick(1_600);
    expect(sent.map((s) => s.at)).toEqual([0, 500, 1500]);
    tx.onAck2xx();
    clock.tick(10_000);
    expect(sent).toHaveLength(3);
  });

  it('ends Accepted at Timer L (64·T1)', () => {
    const { tx, clock, ended } = setup();
    tx.respond(R200, 200);
    tx.onAck2xx();
    clock.tick(32_000);
    expect(tx.state).toBe('terminated');
    expect(ended).toEqual(['timer L']);
    expect(clock.pending).toBe(0);
  });

  it('refuses a second final response', () => {
    const { tx, sent } = setup();
    tx.respond(R486, 486);
    expect(tx.respond(R200, 200)).toBe(false);
    expect(sent).toHaveLength(1);
  });

  it('runs a transaction-user timer and cancels it when a final response goes out first', () => {
    const { tx, clock } = setup();
    let fired = 0;
    tx.scheduleTu(() => fired++, 1000);
    tx.respond(R486, 486);
    clock.tick(2000);
    expect(fired).toBe(0);
  });

  it('clears every timer when terminated early (no timer outlives its transaction)', () => {
    const { tx, clock, ended } = setup();
    tx.scheduleTu(() => undefined, 30_000);
    tx.terminate('shutdown');
    tx.terminate('again');
    expect(clock.pending).toBe(0);
    expect(ended).toEqual(['shutdown']);
  });
});

describe('transition tables', () => {
  it('refuse an illegal move loudly', () => {
    const { tx } = setup();
    tx.respond(R486, 486);
    tx.onAck();
    // Confirmed → Accepted is not in the table: reach it through the private mover.
    expect(() => (tx as unknown as { moveTo(s: string): void }).moveTo('accepted')).toThrow(IllegalTransitionError);
  });

  it('stays one object through Confirmed until Timer I (T4), with one timer on the clock at a time', () => {
    const { tx, clock, ended } = setup();
    tx.respond(R486, 486);
    expect(clock.pending).toBe(1);
    tx.onAck();
    expect(tx.state).toBe('confirmed');
    expect(clock.pending).toBe(1);
    clock.tick(4_999);
    expect(ended).toEqual([]);
    clock.tick(1);
    expect(ended).toEqual(['timer I']);
    expect(tx.scheduled).toBe(false);
    expect(clock.pending).toBe(0);
  });
});
