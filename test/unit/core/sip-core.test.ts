import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type SipCore } from '../../../src/core/sip-core.js';
import { testConfig, type ConfigOverrides } from '../../helpers/config.js';
import { fakeFlow, type FakeFlowOptions } from '../../helpers/fake-flow.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { buildRequest, buildRequestText, defaultVia } from '../../helpers/sip-request.js';
import { tagOf } from '../../helpers/sip-response.js';
import { FakeClock } from '../transaction/fake-clock.js';

const cores: SipCore[] = [];
afterEach(() => {
  for (const c of cores.splice(0)) c.close();
});

function core(config: ConfigOverrides = {}) {
  const log = memoryLogger('debug');
  const clock = new FakeClock();
  const c = createCore({
    config: () => testConfig(config),
    logger: log.logger,
    identities: () => new Set(['127.0.0.1']),
    challenge: (realm) => [`Digest realm="${realm}", nonce="n", algorithm=SHA-256`],
    clock,
    tagKey: Buffer.alloc(16, 42),
  });
  cores.push(c);
  const send = (data: Buffer | string, flowOpts: FakeFlowOptions = {}) => {
    const flow = fakeFlow(flowOpts);
    c.handle(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, flow);
    return flow;
  };
  return { core: c, log, clock, send };
}

/** A request text with one header line removed or replaced. */
function withHeader(text: string, name: string, line: string | undefined): string {
  const re = new RegExp(`\\r\\n${name}:[^\\r]*`, 'i');
  if (!re.test(text)) throw new Error(`no ${name} in test request`);
  return text.replace(re, line === undefined ? '' : `\r\n${line}`);
}

describe('SIP core', () => {
  it.each([
    ['Missing Call-ID header field', (t: string) => withHeader(t, 'Call-ID', undefined)],
    ['Missing From header field', (t: string) => withHeader(t, 'From', undefined)],
    ['Missing To header field', (t: string) => withHeader(t, 'To', undefined)],
    ['Missing CSeq header field', (t: string) => withHeader(t, 'CSeq', undefined)],
    ['Malformed CSeq header field', (t: string) => withHeader(t, 'CSeq', 'CSeq: one INVITE')],
    ['CSeq method does not match request method', (t: string) => withHeader(t, 'CSeq', 'CSeq: 1 BYE')],
    ['Malformed Max-Forwards header field', (t: string) => withHeader(t, 'Max-Forwards', 'Max-Forwards: many')],
    ['Multiple Call-ID header fields', (t: string) => withHeader(t, 'Call-ID', 'Call-ID: a@b\r\nCall-ID: c@d')],
    ['Malformed Request-URI', (t: string) => t.replace('sip:bob@127.0.0.1', 'sip:bob@')],
    ['Malformed Request-Line', (t: string) => t.replace(' SIP/2.0\r\n', '  SIP/2.0\r\n')],
  ])('answers a malformed request 400 with the reason "%s" (§8.1.3.1, §21.4.1)', (reason, mutate) => {
    const { send, log } = core();
    const flow = send(mutate(buildRequestText()));
    const res = flow.onlyResponse();
    expect([res.status, res.reason]).toEqual([400, reason]);
    expect(log.withMsg('answered')).toMatchObject([{ code: 400, reason, rule: 'parser' }]);
  });

  it('answers a UDP request whose Content-Length is larger than the bytes received with 400 (§18.3)', () => {
    const res = core().send(buildRequest({ method: 'MESSAGE', body: 'hello', contentLength: 50 })).onlyResponse();
    expect([res.status, res.reason]).toEqual([400, 'Content-Length larger than the message body']);
  });

  it('truncates a UDP body to a smaller Content-Length and answers normally (§18.3)', () => {
    const res = core().send(buildRequest({ method: 'MESSAGE', uri: 'sip:486@127.0.0.1', body: 'hello world', contentLength: 5 })).onlyResponse();
    expect(res.status).toBe(486);
  });

  it('answers a request with SIP version 3.0 with 505 (§8.2.2.1 via §21.5.6)', () => {
    expect(core().send(buildRequest({ version: 'SIP/3.0' })).onlyResponse().status).toBe(505);
  });

  it('copies the Via and adds a To tag to a 400, so the client can match it (§8.2.6.2)', () => {
    const via = defaultVia();
    const res = core().send(withHeader(buildRequestText({ via }), 'CSeq', 'CSeq: x INVITE')).onlyResponse();
    expect(res.get('Via')).toMatch(new RegExp(`^${via.replace(/[.;]/g, '\\$&').replace(';rport', ';rport=5070')}`));
    expect(tagOf(res.get('To'))).toMatch(/^[0-9a-f]{16}$/);
  });

  it('never answers an ACK (§17.2.1), even a well-formed one matching nothing', () => {
    const { send, log } = core();
    expect(send(buildRequest({ method: 'ACK', uri: 'sip:486@127.0.0.1' })).sent).toEqual([]);
    expect(log.withMsg('answered')).toEqual([]);
  });

  it('never answers an ACK (§17), even a malformed one', () => {
    const { send } = core();
    expect(send(withHeader(buildRequestText({ method: 'ACK' }), 'Call-ID', undefined)).sent).toEqual([]);
    expect(send(withHeader(buildRequestText({ method: 'ACK' }), 'CSeq', 'CSeq: 1 INVITE')).sent).toEqual([]);
  });

  it('drops a response it receives without answering it (§18.2.1)', () => {
    const { core: c, send, log } = core();
    const flow = send(`SIP/2.0 200 OK\r\nVia: ${defaultVia()}\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: x@y\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`);
    expect(flow.sent).toEqual([]);
    expect(c.stats.dropped).toBe(1);
    expect(log.withMsg('dropped')).toMatchObject([{ why: 'response received' }]);
  });

  it('drops a UDP request without a Via: there is nowhere to answer (§18.2.2)', () => {
    const { send } = core();
    expect(send(withHeader(buildRequestText(), 'Via', undefined)).sent).toEqual([]);
  });

  it('answers a body over limits.maxBodyBytes on a stream with 413, then closes the connection (§21.4.11, §18.3)', () => {
    const { send } = core({ limits: { maxBodyBytes: 10 } });
    const flow = send(buildRequest({ body: 'x'.repeat(11) }), { transport: 'tcp' });
    expect(flow.onlyResponse().status).toBe(413);
    expect(flow.closeCalls).toBe(1);
  });

  it('answers a body over the limit on UDP with 413 and keeps the (connectionless) flow (§21.4.11)', () => {
    const { send } = core({ limits: { maxBodyBytes: 10 } });
    const flow = send(buildRequest({ body: 'x'.repeat(11) }));
    expect(flow.onlyResponse().status).toBe(413);
    expect(flow.closeCalls).toBe(0);
  });

  it('answers a Request-URI over limits.maxRequestUriBytes with 414 (§21.4.12)', () => {
    const { send } = core({ limits: { maxRequestUriBytes: 64 } });
    const flow = send(buildRequest({ uri: `sip:${'a'.repeat(80)}@127.0.0.1` }));
    expect(flow.onlyResponse().status).toBe(414);
  });

  it('logs exactly one "answered" line per request, with method, callId, src, code and rule (docs/ARCHITECTURE.md, Logs, metrics and bounds)', () => {
    const { send, log } = core();
    send(buildRequest({ method: 'INVITE', uri: 'sip:486@127.0.0.1', callId: 'log-1@test' }), { remote: { address: '192.0.2.5', port: 5999 } });
    send(buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1', callId: 'log-2@test' }));
    send(buildRequest({ method: 'FOO', callId: 'log-3@test' }));
    expect(log.withMsg('answered')).toMatchObject([
      { method: 'INVITE', callId: 'log-1@test', src: '192.0.2.5:5999', transport: 'udp', code: 486, rule: 'code-in-uri' },
      { method: 'OPTIONS', callId: 'log-2@test', src: '127.0.0.1:5070', code: 200, rule: 'options' },
      { method: 'FOO', callId: 'log-3@test', code: 501, rule: 'method' },
    ]);
  });

  it('answers the rule decision through the pipeline: sip:486@host → 486 with Retry-After and a To tag (docs/ARCHITECTURE.md, Codes on demand)', () => {
    const res = core().send(buildRequest({ uri: 'sip:486@127.0.0.1' })).onlyResponse();
    expect([res.status, res.reason, res.get('Retry-After')]).toEqual([486, 'Busy Here', '60']);
    expect(tagOf(res.get('To'))).toBeDefined();
  });

  it('sends a UDP answer to the source port when the top Via asks for rport (RFC 3581 §4)', () => {
    const flow = core().send(buildRequest({ uri: 'sip:486@127.0.0.1', via: 'SIP/2.0/UDP client.invalid:5080;rport;branch=z9hG4bKrp1' }), {
      remote: { address: '192.0.2.5', port: 40000 },
    });
    expect(flow.sent[0]?.to).toEqual({ address: '192.0.2.5', port: 40000 });
  });

  it('sends a UDP answer to the sent-by port without rport (§18.2.2)', () => {
    const flow = core().send(buildRequest({ uri: 'sip:486@127.0.0.1', via: 'SIP/2.0/UDP client.invalid:5080;branch=z9hG4bKrp2' }), {
      remote: { address: '192.0.2.5', port: 40000 },
    });
    expect(flow.sent[0]?.to).toEqual({ address: '192.0.2.5', port: 5080 });
  });

  it('gives a retransmitted request the same bytes, To tag included (§17.2.3, §8.2.6.2)', () => {
    const { core: c } = core();
    const req = buildRequest({ method: 'OPTIONS', uri: 'sip:404@127.0.0.1' });
    const flow = fakeFlow();
    c.handle(req, flow);
    c.handle(req, fakeFlow()); // a retransmission arrives as a new datagram; the transaction answers
    expect(flow.sent).toHaveLength(2);
    expect(flow.sent[1]?.data.toString('latin1')).toBe(flow.sent[0]?.data.toString('latin1'));
  });

  it('gives a malformed request and its retransmission the same To tag (§8.2.6.2)', () => {
    const { send } = core();
    const req = withHeader(buildRequestText(), 'CSeq', 'CSeq: x INVITE');
    expect(tagOf(send(req).onlyResponse().get('To'))).toBe(tagOf(send(req).onlyResponse().get('To')));
  });

  it('answers a CANCEL that matches no transaction with 481 (§9.2)', () => {
    expect(core().send(buildRequest({ method: 'CANCEL' })).onlyResponse().status).toBe(481);
  });

  it('copies non-UTF-8 bytes of a From display name into the answer byte for byte (§8.2.6.2)', () => {
    const from = '"Ren\xe9\xff" <sip:rene@127.0.0.1>;tag=nonutf8';
    const flow = core().send(buildRequest({ uri: 'sip:486@127.0.0.1', from }));
    expect(flow.sent[0]?.data.includes(Buffer.from(`\r\nFrom: ${from}\r\n`, 'latin1'))).toBe(true);
  });

  it('survives a request that makes a rule throw: logs it, answers nothing, keeps serving', () => {
    // A challenge callback that throws stands in for any bug below the core.
    const log = memoryLogger('debug');
    const c = createCore({
      config: () => testConfig(),
      logger: log.logger,
      identities: () => new Set(),
      challenge: () => {
        throw new Error('boom');
      },
      clock: new FakeClock(),
    });
    cores.push(c);
    const broken = fakeFlow();
    c.handle(buildRequest({ uri: 'sip:401@127.0.0.1' }), broken);
    expect(log.lines().filter((l) => l.level === 50)).toHaveLength(1);
    const ok = fakeFlow();
    c.handle(buildRequest({ uri: 'sip:486@127.0.0.1' }), ok);
    expect(ok.onlyResponse().status).toBe(486);
  });
});
