import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type SipCore } from '../../../src/core/sip-core.js';
import { Journal } from '../../../src/journal/journal.js';
import { testConfig } from '../../helpers/config.js';
import { fakeFlow } from '../../helpers/fake-flow.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { buildRequest, buildRequestText } from '../../helpers/sip-request.js';
import { FakeClock } from '../transaction/fake-clock.js';

const cores: SipCore[] = [];
afterEach(() => {
  for (const c of cores.splice(0)) c.close();
});

function setup(enabled = true) {
  const clock = new FakeClock();
  const config = testConfig({ journal: { enabled, maxEntries: 100, maxBytes: 1 << 20 } });
  const journal = new Journal(() => config.journal, () => clock.now());
  const core = createCore({ config: () => config, logger: memoryLogger('info').logger, identities: () => new Set(['127.0.0.1']), clock, tagKey: Buffer.alloc(16, 7), journal });
  cores.push(core);
  const flow = fakeFlow();
  const send = (data: Buffer | string) => core.handle(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, flow);
  return { clock, journal, core, flow, send };
}

describe('the core records into the journal', () => {
  it('a request, its response bytes and the rule that answered', () => {
    const { journal, flow, send } = setup();
    const invite = buildRequest({ method: 'INVITE', uri: 'sip:486@127.0.0.1', callId: 'j-1', from: '<sip:zed@127.0.0.1>;tag=a' });
    send(invite);
    const [e] = journal.list();
    expect(e!.raw).toBe(invite.toString('latin1'));
    expect([e!.method, e!.ruri, e!.ruriUser, e!.callId, e!.fromUser, e!.toUser, e!.cseq, e!.transport, e!.address, e!.port]).toEqual([
      'INVITE', 'sip:486@127.0.0.1', '486', 'j-1', 'zed', 'bob', '1 INVITE', 'udp', '127.0.0.1', 5070,
    ]);
    expect(e!.responses.map((r) => r.raw)).toEqual([flow.sent[0]!.data.toString('latin1')]);
    expect(e!.responses[0]!.code).toBe(486);
    expect(e!.rule).toBe('code-in-uri');
  });

  it('a retransmitted request is its own entry, flagged, and the resent response lands on the first', () => {
    const { journal, flow, send } = setup();
    const invite = buildRequest({ method: 'INVITE', uri: 'sip:486@127.0.0.1', callId: 'j-2' });
    send(invite);
    send(invite);
    const [first, again] = journal.list();
    expect([again!.retransmission, again!.retransmissionOf, again!.responses.length]).toEqual([true, first!.id, 0]);
    expect(first!.retransmissions).toBe(1);
    expect(first!.responses.map((r) => r.retransmission)).toEqual([false, true]);
    expect(flow.sent.length).toBe(2);
  });

  it('Timer G resends are recorded as retransmissions of the response', () => {
    const { journal, clock, send } = setup();
    send(buildRequest({ method: 'INVITE', uri: 'sip:486@127.0.0.1', callId: 'j-3' }));
    clock.tick(500); // §17.2.1: Timer G fires first at T1
    expect(journal.list()[0]!.responses.map((r) => [r.time, r.retransmission])).toEqual([
      [0, false],
      [500, true],
    ]);
  });

  it('an ACK is flagged absorbed; a malformed request answered by the parser is recorded with its 400', () => {
    const { journal, send } = setup();
    send(buildRequestText({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1', callId: 'j-4', maxForwards: null }).replace('CSeq: 1 OPTIONS', 'CSeq: x OPTIONS'));
    send(buildRequest({ method: 'ACK', uri: 'sip:bob@127.0.0.1', callId: 'j-5' }));
    const [bad, ack] = journal.list();
    expect([bad!.callId, bad!.rule, bad!.responses[0]!.code]).toEqual(['j-4', 'parser', 400]);
    expect([ack!.method, ack!.absorbed, ack!.responses.length]).toEqual(['ACK', true, 0]);
  });

  it('records nothing when disabled', () => {
    const { journal, flow, send } = setup(false);
    send(buildRequest({ method: 'INVITE', uri: 'sip:486@127.0.0.1' }));
    expect(flow.sent.length).toBe(1);
    expect(journal.size).toBe(0);
  });
});

describe('a transaction outliving its entry', () => {
  it('records nothing on an entry the journal dropped, and does not hold it', () => {
    const clock = new FakeClock();
    const config = testConfig({ journal: { enabled: true, maxEntries: 1, maxBytes: 1 << 20 } });
    const journal = new Journal(() => config.journal, () => clock.now());
    const core = createCore({ config: () => config, logger: memoryLogger('info').logger, identities: () => new Set(['127.0.0.1']), clock, tagKey: Buffer.alloc(16, 7), journal });
    cores.push(core);
    const flow = fakeFlow();
    core.handle(buildRequest({ method: 'INVITE', uri: 'sip:486@127.0.0.1', callId: 'gone-1' }), flow);
    core.handle(buildRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1', callId: 'kept-1' }), flow);
    clock.tick(500); // Timer G resends the INVITE's 486 (§17.2.1) through the wrapped send
    expect(flow.sent.length).toBe(3);
    expect(journal.list().map((e) => [e.callId, e.responses.length])).toEqual([['kept-1', 1]]);
    expect(journal.get(1)).toBeUndefined();
    expect(journal.evictions).toBe(1);
  });
});
