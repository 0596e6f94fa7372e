import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectToTag, INTEGRATION_CONFIG, RULE_CASES, type CaseEnv } from '../helpers/rule-cases.js';
import { buildAck, buildRequest } from '../helpers/sip-request.js';
import { tagOf } from '../helpers/sip-response.js';
import { canBindIpv6Loopback, startTestServer, type TestServer, type UdpClient } from '../helpers/test-server.js';

let srv: TestServer;
let client: UdpClient;
beforeAll(async () => {
  srv = await startTestServer({ config: INTEGRATION_CONFIG });
  client = await srv.udpClient();
});
afterAll(async () => {
  await srv?.close();
});

function env(): CaseEnv {
  return {
    transport: 'UDP',
    uriHost: '127.0.0.1',
    serverPort: srv.port,
    via: () => `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
  };
}

describe('server over UDP (§18.2.1, §18.2.2)', () => {
  it.each(RULE_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const e = env();
    const request = c.request(e);
    const res = await client.request(request);
    c.check(res, e);
    expectToTag(res, c);
    // Stop Timer G retransmissions of an INVITE's final response (§17.2.1).
    if (request.subarray(0, 7).toString() === 'INVITE ' && res.status >= 300) client.send(buildAck(request, res.get('To') ?? ''));
  });

  it('copies every Via in order, filling rport and received in the top one (§8.2.6.2, RFC 3581 §4)', async () => {
    const top = `SIP/2.0/UDP client.invalid:${client.port};rport;branch=z9hG4bKvia1`;
    const vias = [top, 'SIP/2.0/UDP proxy1.example.com;branch=z9hG4bKvia2', 'SIP/2.0/TCP [2001:db8::5]:5062;branch=z9hG4bKvia3;received=192.0.2.1'];
    const res = await client.request(buildRequest({ method: 'OPTIONS', uri: 'sip:486@127.0.0.1', via: vias }));
    expect(res.getAll('Via')).toEqual([`SIP/2.0/UDP client.invalid:${client.port};rport=${client.port};branch=z9hG4bKvia1;received=127.0.0.1`, ...vias.slice(1)]);
  });

  it('answers to the sent-by port when the request did not ask for rport (§18.2.2)', async () => {
    const via = `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bKnorport${randomBytes(4).toString('hex')}`;
    const res = await client.request(buildRequest({ method: 'OPTIONS', uri: 'sip:486@127.0.0.1', via }));
    expect(res.status).toBe(486);
    expect(res.get('Via')).toBe(via); // sent-by is the source address and no rport: copied unchanged
  });

  it('retransmits an INVITE final response until the ACK, with the same bytes (§17.2.1 Timer G)', async () => {
    const request = buildRequest({ uri: 'sip:486@127.0.0.1', via: env().via() });
    const first = await client.request(request);
    const again = await client.receive(2000, first.get('Call-ID'));
    expect(again.text).toBe(first.text);
    client.send(buildAck(request, first.get('To') ?? ''));
  });

  it('answers a retransmitted request with the same response, To tag included (§17.2.3)', async () => {
    const request = buildRequest({ method: 'OPTIONS', uri: 'sip:404@127.0.0.1', via: env().via() });
    const a = await client.request(request);
    const b = await client.request(request);
    expect(b.text).toBe(a.text);
    expect(tagOf(a.get('To'))).toBeDefined();
  });

  it('answers a 10 KB Request-URI with 414 and keeps answering (§21.4.12)', async () => {
    const res = await client.request(buildRequest({ method: 'OPTIONS', uri: `sip:${'a'.repeat(10 * 1024)}@127.0.0.1`, via: env().via() }));
    expect([res.status, res.reason]).toEqual([414, 'Request-URI Too Long']);
    expect((await client.request(buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1', via: env().via() }))).status).toBe(200);
  });

  it('answers a body over limits.maxBodyBytes with 413 (§21.4.11)', async () => {
    const small = await startTestServer({ config: { limits: { maxBodyBytes: 1000 } } });
    try {
      const res = await small.udpRequest(buildRequest({ method: 'MESSAGE', headers: { 'Content-Type': 'text/plain' }, body: 'x'.repeat(2000) }));
      expect(res.status).toBe(413);
    } finally {
      await small.close();
    }
  });

  it('sends nothing back for a datagram of random garbage and keeps answering (§18.3)', async () => {
    for (let i = 0; i < 5; i++) client.send(randomBytes(200 + i * 100));
    client.send('\x00\x01NOT SIP AT ALL\r\n\r\n');
    // Datagrams on loopback are handled in order: if garbage had been answered, it would be first.
    const request = buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1', via: env().via() });
    client.send(request);
    const res = await client.receive(2000);
    expect(res.get('Call-ID')).toBe(/Call-ID: (.*)\r\n/.exec(request.toString('latin1'))?.[1]);
    expect(res.status).toBe(200);
  });

  it('never answers an ACK, even a malformed one (§17.2.1)', async () => {
    client.send(buildRequest({ method: 'ACK', uri: 'sip:486@127.0.0.1', via: env().via() }));
    client.send(buildRequest({ method: 'ACK', uri: 'sip:486@127.0.0.1', via: env().via(), cseq: 'x ACK' }));
    const request = buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1', via: env().via() });
    client.send(request);
    const res = await client.receive(2000);
    expect(res.get('CSeq')).toBe('1 OPTIONS');
  });

  it('logs one "answered" line per request, naming the rule', async () => {
    const callId = `log-${randomBytes(4).toString('hex')}@test`;
    await client.request(buildRequest({ method: 'OPTIONS', uri: 'sip:403@127.0.0.1', via: env().via(), callId }));
    expect(srv.log.withMsg('answered').filter((l) => l.callId === callId)).toMatchObject([
      { method: 'OPTIONS', code: 403, rule: 'code-in-uri', transport: 'udp', src: `127.0.0.1:${client.port}` },
    ]);
  });
});

const ipv6 = await canBindIpv6Loopback();

describe.skipIf(!ipv6)('server over UDP on IPv6 ::1 (RFC 5118) — skipped when this host cannot bind ::1', () => {
  it('answers OPTIONS and sip:486@[::1], stamping the IPv6 source into received/rport', async () => {
    const v6 = await startTestServer({ host: '::1' });
    try {
      const c = await v6.udpClient();
      const ok = await c.request(buildRequest({ method: 'OPTIONS', uri: `sip:[::1]:${v6.port}`, via: `SIP/2.0/UDP [::1]:${c.port};rport;branch=z9hG4bK6a` }));
      expect(ok.status).toBe(200);
      const busy = await c.request(buildRequest({ method: 'MESSAGE', uri: 'sip:486@[::1]', via: `SIP/2.0/UDP client.invalid:${c.port};rport;branch=z9hG4bK6b` }));
      expect(busy.status).toBe(486);
      expect(busy.get('Via')).toBe(`SIP/2.0/UDP client.invalid:${c.port};rport=${c.port};branch=z9hG4bK6b;received=::1`);
      expect(tagOf(busy.get('To'))).toBeDefined();
    } finally {
      await v6.close();
    }
  });
});
