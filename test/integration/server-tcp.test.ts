import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectToTag, INTEGRATION_CONFIG, RULE_CASES, type CaseEnv } from '../helpers/rule-cases.js';
import { buildRequest } from '../helpers/sip-request.js';
import { tagOf } from '../helpers/sip-response.js';
import { canBindIpv6Loopback, startTestServer, type TcpClient, type TestServer } from '../helpers/test-server.js';

let srv: TestServer;
let conn: TcpClient;
beforeAll(async () => {
  srv = await startTestServer({ config: INTEGRATION_CONFIG });
  conn = await srv.tcpConnect();
});
afterAll(async () => {
  await srv?.close();
});

const branch = (): string => `z9hG4bK${randomBytes(6).toString('hex')}`;

function env(c: TcpClient = conn): CaseEnv {
  return { transport: 'TCP', uriHost: '127.0.0.1', serverPort: srv.port, via: () => `SIP/2.0/TCP 127.0.0.1:${c.port};branch=${branch()};rport` };
}

function options(c: TcpClient = conn): Buffer {
  return buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1', via: env(c).via() });
}

describe('server over TCP (§18.3, §18.2.2)', () => {
  it.each(RULE_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const e = env();
    const res = await conn.request(c.request(e));
    c.check(res, e);
    expectToTag(res, c);
  });

  it('copies every Via in order, filling rport and received in the top one (§8.2.6.2, RFC 3581 §4)', async () => {
    const top = `SIP/2.0/TCP client.invalid:5999;rport;branch=z9hG4bKtv1`;
    const vias = [top, 'SIP/2.0/UDP proxy1.example.com;branch=z9hG4bKtv2', 'SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bKtv3'];
    const res = await conn.request(buildRequest({ method: 'OPTIONS', uri: 'sip:486@127.0.0.1', via: vias }));
    expect(res.getAll('Via')).toEqual([`SIP/2.0/TCP client.invalid:5999;rport=${conn.port};branch=z9hG4bKtv1;received=127.0.0.1`, ...vias.slice(1)]);
  });

  it('answers on the same connection whatever the Via sent-by says (§18.2.2)', async () => {
    const res = await conn.request(buildRequest({ method: 'MESSAGE', uri: 'sip:480@127.0.0.1', via: `SIP/2.0/TCP 192.0.2.99:5060;branch=${branch()}` }));
    expect(res.status).toBe(480);
  });

  it('frames a message split across several writes by its Content-Length (§18.3)', async () => {
    const request = buildRequest({ method: 'MESSAGE', uri: 'sip:486@127.0.0.1', via: env().via(), headers: { 'Content-Type': 'text/plain' }, body: 'hello, split world' });
    const cuts = [0, 1, 17, 60, request.indexOf('\r\n\r\n') + 2, request.length - 3, request.length];
    for (let i = 0; i + 1 < cuts.length; i++) {
      await conn.write(request.subarray(cuts[i], cuts[i + 1]));
      await new Promise((r) => setImmediate(r));
    }
    const res = await conn.receive();
    expect([res.status, res.get('CSeq')]).toEqual([486, '1 MESSAGE']);
  });

  it('answers several messages in one write, in order (§18.3)', async () => {
    const codes = [403, 486, 404];
    const requests = codes.map((code) => buildRequest({ method: 'OPTIONS', uri: `sip:${code}@127.0.0.1`, via: env().via(), body: code === 486 ? 'x' : undefined }));
    await conn.write(Buffer.concat(requests));
    const answers = [await conn.receive(), await conn.receive(), await conn.receive()];
    expect(answers.map((r) => r.status)).toEqual(codes);
    expect(answers.map((r) => r.get('Call-ID'))).toEqual(requests.map((r) => /Call-ID: (.*)\r\n/.exec(r.toString('latin1'))?.[1]));
  });

  it('ignores CRLF keep-alives between messages and answers the ping with a pong (RFC 5626 §3.5.1)', async () => {
    await conn.write('\r\n\r\n');
    const res = await conn.request(options());
    expect(res.status).toBe(200);
  });

  it('answers a 10 KB Request-URI with 414 and keeps the connection (§21.4.12)', async () => {
    const res = await conn.request(buildRequest({ method: 'OPTIONS', uri: `sip:${'a'.repeat(10 * 1024)}@127.0.0.1`, via: env().via() }));
    expect([res.status, res.reason]).toEqual([414, 'Request-URI Too Long']);
    expect((await conn.request(options())).status).toBe(200);
  });

  it('answers a 100 KB body with 413, closes the connection, and keeps serving new ones (§21.4.11)', async () => {
    const c = await srv.tcpConnect();
    const request = buildRequest({ method: 'MESSAGE', uri: 'sip:bob@127.0.0.1', via: env(c).via(), headers: { 'Content-Type': 'text/plain' }, body: 'x'.repeat(100 * 1024) });
    c.socket.write(request);
    const res = await c.receive();
    expect([res.status, res.reason]).toEqual([413, 'Request Entity Too Large']);
    expect(tagOf(res.get('To'))).toBeDefined();
    await c.closed(4000);
    const fresh = await srv.tcpConnect();
    expect((await fresh.request(options(fresh))).status).toBe(200);
    expect((await conn.request(options())).status).toBe(200);
  });

  it('answers a message without Content-Length with 400 (§18.3, §20.14)', async () => {
    const c = await srv.tcpConnect();
    // Without Content-Length the framer cannot know where the message ends; it must not hang silently.
    const res = await c.request(buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1', via: env(c).via(), contentLength: null }));
    expect([res.status, res.reason]).toEqual([400, 'Missing Content-Length header field']);
  });

  it('logs one "answered" line per request with the tcp transport', async () => {
    const callId = `tcplog-${randomBytes(4).toString('hex')}@test`;
    await conn.request(buildRequest({ method: 'INFO', uri: 'sip:488@127.0.0.1', via: env().via(), callId }));
    expect(srv.log.withMsg('answered').filter((l) => l.callId === callId)).toMatchObject([{ method: 'INFO', code: 488, rule: 'code-in-uri', transport: 'tcp' }]);
  });
});

const ipv6 = await canBindIpv6Loopback();

describe.skipIf(!ipv6)('server over TCP on IPv6 ::1 (RFC 5118) — skipped when this host cannot bind ::1', () => {
  it('answers OPTIONS and sip:486@[::1] on the same connection, stamping received/rport', async () => {
    const v6 = await startTestServer({ host: '::1' });
    try {
      const c = await v6.tcpConnect();
      const ok = await c.request(buildRequest({ method: 'OPTIONS', uri: `sip:[::1]:${v6.port}`, via: `SIP/2.0/TCP [::1]:${c.port};branch=${branch()}` }));
      expect(ok.status).toBe(200);
      const busy = await c.request(buildRequest({ method: 'INVITE', uri: 'sip:486@[::1]', via: `SIP/2.0/TCP client.invalid;rport;branch=z9hG4bK6t` }));
      expect(busy.status).toBe(486);
      expect(busy.get('Via')).toBe(`SIP/2.0/TCP client.invalid;rport=${c.port};branch=z9hG4bK6t;received=::1`);
    } finally {
      await v6.close();
    }
  });
});
