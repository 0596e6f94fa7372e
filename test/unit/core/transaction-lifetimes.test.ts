/**
 * The passive end of server transactions through the core, on a fake clock: INVITE Confirmed
 * absorbs for T4 (§17.2.1), non-INVITE Completed replays its final response for 64·T1 (§17.2.2),
 * each the same transaction object until its timer ends it, counted and bounded in the one store
 * (docs/ARCHITECTURE.md, Transactions).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type SipCore } from '../../../src/core/sip-core.js';
import { testConfig, type ConfigOverrides } from '../../helpers/config.js';
import { fakeFlow } from '../../helpers/fake-flow.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { buildRequest, defaultVia, uniqueCallId, uniqueToken } from '../../helpers/sip-request.js';
import { tagOf } from '../../helpers/sip-response.js';
import { FakeClock } from '../transaction/fake-clock.js';

const cores: SipCore[] = [];
afterEach(() => {
  for (const c of cores.splice(0)) c.close();
});

function setup(overrides: ConfigOverrides = {}) {
  const clock = new FakeClock();
  const config = testConfig(overrides);
  const core = createCore({ config: () => config, logger: memoryLogger('warn').logger, identities: () => new Set(['127.0.0.1']), clock, tagKey: Buffer.alloc(16, 7) });
  cores.push(core);
  const flow = fakeFlow();
  return { clock, core, flow, send: (b: Buffer) => core.handle(b, flow) };
}

/** An INVITE to sip:486@ and its ACK (§17.1.1.3: same branch, the response's To tag). */
function inviteAndAck(toTag: () => string | undefined) {
  const via = defaultVia();
  const common = { uri: 'sip:486@127.0.0.1', via, callId: uniqueCallId(), from: `<sip:carol@127.0.0.1>;tag=${uniqueToken('f')}` };
  const invite = buildRequest({ ...common, method: 'INVITE', to: '<sip:486@127.0.0.1>' });
  return { invite, ack: () => buildRequest({ ...common, method: 'ACK', cseq: '1 ACK', to: `<sip:486@127.0.0.1>;tag=${toTag() ?? ''}` }), common };
}

describe('transaction lifetimes past the final response', () => {
  it('absorbs a retransmitted INVITE and ACK in Confirmed until Timer I (T4), then treats the INVITE as new (§17.2.1)', () => {
    const { clock, core, flow, send } = setup();
    const { invite, ack } = inviteAndAck(() => tagOf(flow.responses()[0]?.get('To')));
    send(invite);
    expect(flow.responses().map((r) => r.status)).toEqual([486]);
    send(ack());
    expect(core.tables.transactions()).toBe(1);
    clock.tick(4_999);
    send(invite);
    send(ack());
    expect(flow.sent).toHaveLength(1); // no Timer G retransmission after the ACK, nothing for the copies
    expect(core.stats.retransmissions).toBe(1);
    clock.tick(1);
    send(invite);
    expect(flow.responses().map((r) => r.status)).toEqual([486, 486]);
  });

  it('answers a CANCEL of a Confirmed INVITE with 200 and nothing else (§9.2)', () => {
    const { flow, send } = setup();
    const { invite, ack, common } = inviteAndAck(() => tagOf(flow.responses()[0]?.get('To')));
    send(invite);
    send(ack());
    send(buildRequest({ ...common, method: 'CANCEL', to: '<sip:486@127.0.0.1>' }));
    expect(flow.responses().map((r) => [r.status, r.get('CSeq')])).toEqual([
      [486, '1 INVITE'],
      [200, '1 CANCEL'],
    ]);
  });

  it('replays the final response byte for byte in Completed until Timer J (64·T1), then answers anew (§17.2.2)', () => {
    const { clock, core, flow, send } = setup();
    const options = buildRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1' });
    send(options);
    clock.tick(31_999);
    send(options);
    expect(flow.sent).toHaveLength(2);
    expect((flow.sent[1] as { data: Buffer }).data.equals((flow.sent[0] as { data: Buffer }).data)).toBe(true);
    expect(core.stats.retransmissions).toBe(1);
    clock.tick(1);
    send(options);
    expect(flow.sent).toHaveLength(3);
    expect(core.stats.retransmissions).toBe(1);
  });

  it('empties the store and leaves no timer behind once Timers I and J have run for 5,000 INVITE+ACK and 5,000 OPTIONS', () => {
    const { clock, core, flow, send } = setup();
    for (let i = 0; i < 5_000; i++) {
      const { invite, ack } = inviteAndAck(() => tagOf(flow.responses().at(-1)?.get('To')));
      send(invite);
      send(ack());
      send(buildRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1' }));
      flow.sent.length = 0;
    }
    expect(core.tables.transactions()).toBe(10_000);
    expect(clock.pending).toBe(1); // one clock timer for every deadline
    clock.tick(5_000);
    expect(core.tables.transactions()).toBe(5_000); // the INVITEs' Timer I (T4)
    clock.tick(27_000);
    expect(core.tables.transactions()).toBe(0); // the OPTIONS' Timer J (64·T1)
    expect(clock.pending).toBe(0);
  });

  it('frees transactions after their timers, and bounds the store by transactions.maxTransactions', () => {
    const { clock, core, send } = setup({ transactions: { maxTransactions: 50 } });
    for (let i = 0; i < 200; i++) send(buildRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1' }));
    expect(core.tables.transactions()).toBe(50);
    clock.tick(33_000);
    expect(core.tables.transactions()).toBe(0);
  });

  it('still answers 482 to a request merged with a Completed one, until that one\'s Timer J (§8.2.2.2)', () => {
    const { clock, flow, send } = setup();
    const same = { method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1', callId: uniqueCallId(), from: `<sip:carol@127.0.0.1>;tag=${uniqueToken('f')}` };
    send(buildRequest(same));
    send(buildRequest(same)); // a new branch: another transaction with the same From tag, Call-ID, CSeq
    clock.tick(32_000);
    send(buildRequest(same));
    expect(flow.responses().map((r) => r.status)).toEqual([404, 482, 404]);
  });
});
