import { describe, expect, it } from 'vitest';
import { SOURCE_ENTRY_BYTES, SourceCredit, type CreditPolicy } from '../../../src/net/source-credit.js';
import { InviteServerTransaction } from '../../../src/transaction/invite-server.js';
import { Deadlines } from '../../../src/util/deadlines.js';
import { FakeClock } from '../transaction/fake-clock.js';

const POLICY: CreditPolicy = { ratio: 2, burstBytes: 100, maxCreditBytes: 1000 };
const A = '192.0.2.1';

function credit(policy: CreditPolicy = POLICY, maxSources = 10, maxBytes = 1 << 20) {
  const counts = { retransmissionsSuppressed: 0 };
  return { c: new SourceCredit(maxSources, maxBytes, () => policy, counts), counts };
}

describe('per-source byte credit (docs/ARCHITECTURE.md, Reflection)', () => {
  it('starts a new address at burstBytes, earns ratio × request bytes, spends what is sent', () => {
    const { c } = credit();
    expect(c.balance(A)).toBe(100);
    c.received(A, 300);
    expect(c.balance(A)).toBe(700);
    c.sent(A, 250);
    expect(c.balance(A)).toBe(450);
  });

  it('lets a retransmission go only while the balance covers it, and counts the ones it holds back', () => {
    const { c, counts } = credit();
    c.received(A, 100); // 100 + 200 = 300
    c.sent(A, 120); // the first response: 180 left
    expect(c.mayResend(A, 120)).toBe(true); // 60 left
    expect(c.mayResend(A, 120)).toBe(false);
    expect(c.balance(A)).toBe(60);
    expect(counts.retransmissionsSuppressed).toBe(1);
    expect(c.suppressed).toBe(1);
  });

  it('caps the balance at maxCreditBytes both ways: no reserve banked, no debt without end', () => {
    const { c } = credit();
    c.received(A, 10_000);
    expect(c.balance(A)).toBe(1000);
    c.sent(A, 50_000);
    expect(c.balance(A)).toBe(-1000);
  });

  it('exempts a proven address (it returned our To tag) from the gate', () => {
    const { c, counts } = credit();
    c.sent(A, 5000);
    expect(c.mayResend(A, 100)).toBe(false);
    c.prove(A);
    expect(c.isProven(A)).toBe(true);
    expect(c.mayResend(A, 100)).toBe(true);
    expect(counts.retransmissionsSuppressed).toBe(1);
  });

  it('forgets the least recently seen address first, by count', () => {
    const { c } = credit(POLICY, 2);
    c.prove('192.0.2.1');
    c.prove('192.0.2.2');
    c.received('192.0.2.1', 1); // touched: 192.0.2.2 is now the oldest
    c.received('192.0.2.3', 1);
    expect(c.size).toBe(2);
    expect(c.evictions).toBe(1);
    expect(c.isProven('192.0.2.1')).toBe(true);
    expect(c.isProven('192.0.2.2')).toBe(false);
  });

  it('forgets the least recently seen address first, by bytes', () => {
    const entry = '192.0.2.1'.length + SOURCE_ENTRY_BYTES;
    const { c } = credit(POLICY, 100, 2 * entry);
    c.received('192.0.2.1', 1);
    c.received('192.0.2.2', 1);
    expect(c.bytes).toBe(2 * entry);
    c.received('192.0.2.3', 1);
    expect(c.size).toBe(2);
    expect(c.bytes).toBe(2 * entry);
    expect(c.evictions).toBe(1);
  });
});

describe('Timer G gated by the credit, on a fake clock (§17.2.1)', () => {
  const T = { t1: 500, t2: 4000, t4: 5000 };
  const PEER = { address: A, port: 5060 };
  const R486 = Buffer.alloc(200, 0x41); // 200 bytes

  function setup(policy: CreditPolicy, reliable = false) {
    const clock = new FakeClock();
    const { c, counts } = credit(policy);
    const sent: number[] = [];
    const env = { timers: T, deadlines: new Deadlines(clock), onTerminated: () => undefined, credit: c };
    const tx = new InviteServerTransaction(env, 'k', reliable, () => sent.push(clock.now()), PEER, {});
    return { clock, c, counts, sent, tx };
  }

  it('a never-ACKing source of a 200-byte INVITE gets the response once plus what 2 × 200 + 100 bytes cover', () => {
    const { clock, c, counts, sent, tx } = setup(POLICY);
    c.received(A, 200); // 100 + 400 = 500
    tx.respond(R486, 486); // 300 left: one retransmission of 200
    clock.tick(40_000);
    expect(sent).toEqual([0, 500]);
    // Timer G fired at 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500: nine held back
    expect(counts.retransmissionsSuppressed).toBe(9);
    expect(tx.state).toBe('terminated');
  });

  it('a proven source gets every Timer G retransmission until Timer H', () => {
    const { clock, c, sent, tx } = setup(POLICY);
    c.prove(A);
    tx.respond(R486, 486);
    clock.tick(40_000);
    expect(sent).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
  });

  it('a retransmitted INVITE earns credit for the next Timer G firing, and is itself always answered', () => {
    const { clock, c, sent, tx } = setup({ ratio: 2, burstBytes: 0, maxCreditBytes: 1000 });
    c.received(A, 100); // 200
    tx.respond(R486, 486); // 0 left
    clock.tick(600); // G at 500: held back
    c.received(A, 100); // the INVITE again: +200
    tx.onRetransmission(); // answered regardless: 0 left
    c.received(A, 100); // and once more: +200
    clock.tick(1000); // G at 1500: covered
    expect(sent).toEqual([0, 600, 1500]);
  });

  it('charges nothing on a reliable transport, where there is no Timer G', () => {
    const { clock, c, sent, tx } = setup(POLICY, true);
    tx.respond(R486, 486);
    clock.tick(40_000);
    expect(sent).toEqual([0]);
    expect(c.size).toBe(0);
  });
});
