/**
 * Our To tag as the proof that a UDP source receives what we send (docs/ARCHITECTURE.md,
 * Reflection; src/sip/to-tag.ts): the ACK of a non-2xx (§17.1.1.3) that carries it proves the
 * address it came from, but only when that address is the one the tag was made for. On a fake clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type SipCore } from '../../../src/core/sip-core.js';
import { testConfig } from '../../helpers/config.js';
import { fakeFlow, type FakeFlow } from '../../helpers/fake-flow.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { buildAck, buildRequest, uniqueCallId, uniqueToken } from '../../helpers/sip-request.js';
import { tagOf } from '../../helpers/sip-response.js';
import { FakeClock } from '../transaction/fake-clock.js';

const ATTACKER = '192.0.2.1';
const VICTIM = '203.0.113.9';
const TIMER_H = 64 * 500;

const cores: SipCore[] = [];
afterEach(() => {
  for (const c of cores.splice(0)) c.close();
});

function setup() {
  const clock = new FakeClock();
  const config = testConfig({});
  const core = createCore({ config: () => config, logger: memoryLogger('warn').logger, identities: () => new Set(['127.0.0.1']), clock, tagKey: Buffer.alloc(16, 9) });
  cores.push(core);
  return { clock, core };
}

function invite(): Buffer {
  return buildRequest({
    uri: 'sip:486@127.0.0.1',
    via: `SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK${uniqueToken('p')};rport`,
    from: `<sip:carol@127.0.0.1>;tag=${uniqueToken('f')}`,
    to: '<sip:486@127.0.0.1>',
    callId: uniqueCallId(),
  });
}

/** An INVITE from `from`, answered 486; then its ACK, with that 486's To, sent from `ackFrom`. */
function answerAndAck(core: SipCore, from: FakeFlow, ackFrom: FakeFlow): string {
  const req = invite();
  core.handle(req, from);
  const busy = from.responses().at(-1);
  expect(busy?.status).toBe(486);
  core.handle(buildAck(req, busy?.get('To') ?? ''), ackFrom);
  return tagOf(busy?.get('To')) ?? '';
}

/** Five INVITEs from `flow`'s address left un-ACKed until Timer H: the Timer G copies it was sent. */
function unackedRetransmissions(clock: FakeClock, core: SipCore, flow: FakeFlow): number {
  const before = flow.sent.length;
  for (let i = 0; i < 5; i++) core.handle(invite(), flow);
  for (let t = 0; t < TIMER_H + 1000; t += 250) clock.tick(250);
  return flow.sent.length - before - 5;
}

describe('the To tag as a proof of the source address (§17.2.1, RFC 8085 §3.1)', () => {
  it('an ACK with our tag proves the address the INVITE came from: every Timer G copy then goes there', () => {
    const { clock, core } = setup();
    const attacker = fakeFlow({ remote: { address: ATTACKER } });
    answerAndAck(core, attacker, attacker);
    expect(unackedRetransmissions(clock, core, attacker)).toBe(5 * 10);
    expect(core.stats.retransmissionsSuppressed).toBe(0);
  });

  it('the same ACK sent from another address proves nothing for it: its retransmissions stay within its credit', () => {
    const { clock, core } = setup();
    const attacker = fakeFlow({ remote: { address: ATTACKER } });
    const victim = fakeFlow({ remote: { address: VICTIM } });
    // The tag received at the attacker's address, replayed in an ACK that names the victim's.
    answerAndAck(core, attacker, victim);
    expect(victim.sent).toHaveLength(0);
    const copies = unackedRetransmissions(clock, core, victim);
    expect(copies).toBeLessThan(5 * 10);
    expect(core.stats.retransmissionsSuppressed).toBeGreaterThan(0);
  });

  it('a request gets the same tag each time from one address and another tag from another address', () => {
    const { core } = setup();
    const req = buildRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1', callId: uniqueCallId() });
    const [a1, a2, b] = [fakeFlow({ remote: { address: ATTACKER } }), fakeFlow({ remote: { address: ATTACKER } }), fakeFlow({ remote: { address: VICTIM } })];
    // A stateless refusal (no Max-Forwards is fine; a missing Call-ID is not): derived from its bytes.
    const broken = buildRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1', version: 'SIP/3.0' });
    for (const f of [a1, a2, b]) core.handle(broken, f);
    expect(a1.onlyResponse().status).toBe(505);
    expect(a2.onlyResponse().text).toBe(a1.onlyResponse().text);
    expect(tagOf(b.onlyResponse().get('To'))).not.toBe(tagOf(a1.onlyResponse().get('To')));
    core.handle(req, a1);
    core.handle(req, a1); // a retransmission: the transaction's own bytes again (§17.2.2)
    const [first, again] = a1.responses().slice(1);
    expect(again?.text).toBe(first?.text);
  });
});
