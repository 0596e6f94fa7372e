/**
 * The Contacts sip4xx gives out name the address a request reached it at (RFC 3261 §12.1.1), over
 * real UDP and TCP sockets on the default configuration: the Request-URI names another host here,
 * as it does when a proxy forwards the request; and a client that follows 302s is never sent round
 * in a loop (§8.3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAck, buildRequest, digestParams, startTestServer, tagOf, uniqueBranch, uniqueCallId, type ParsedResponse, type TestServer, type UdpClient } from '../helpers/index.js';
import { answerChallenge } from '../unit/auth/digest-client.js';

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\n';
const PROXY = 'proxy.example.invalid:5090';

let srv: TestServer;
let wild: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
  // The image and `npm start` bind 0.0.0.0: no destination address per UDP datagram.
  wild = await startTestServer({ host: '0.0.0.0' });
});
afterAll(async () => {
  await srv?.close();
  await wild?.close();
});

/** INVITE answer → 200, then ACK and BYE sent to where its Contact says, as a UAC does (§12.2.1.1). */
async function callOverUdp(s: TestServer): Promise<{ ok: ParsedResponse; bye: ParsedResponse }> {
  const c = await s.udpClient();
  try {
    const callId = uniqueCallId();
    const from = `<sip:carol@127.0.0.1>;tag=c${callId.slice(0, 6)}`;
    const via = () => `SIP/2.0/UDP 127.0.0.1:${c.port};branch=${uniqueBranch()};rport`;
    const ok = await c.request(buildRequest({ uri: `sip:answer@${PROXY}`, via: via(), callId, from, headers: { 'Content-Type': 'application/sdp' }, body: SDP }));
    const target = /^<(sip:[^>]+)>$/.exec(ok.get('Contact') ?? '')?.[1] ?? 'no-contact';
    const to = `<sip:answer@${PROXY}>;tag=${tagOf(ok.get('To')) ?? ''}`;
    c.send(buildRequest({ method: 'ACK', uri: target, via: via(), callId, from, to, cseq: '1 ACK' }));
    const bye = await c.request(buildRequest({ method: 'BYE', uri: target, via: via(), callId, from, to, cseq: '2 BYE' }));
    return { ok, bye };
  } finally {
    await c.close();
  }
}

describe('the Contact of an answered call names the address that reached us (§12.1.1)', () => {
  it('over UDP bound to 127.0.0.1: 127.0.0.1 and the bound port, whatever host the Request-URI names', async () => {
    const { ok, bye } = await callOverUdp(srv);
    expect([ok.status, ok.get('Contact')]).toEqual([200, `<sip:answer@127.0.0.1:${srv.port}>`]);
    expect(bye.status).toBe(200);
  });

  it('over UDP bound to 0.0.0.0: our interface address on the sender\'s network (loopback here)', async () => {
    const { ok, bye } = await callOverUdp(wild);
    expect([ok.status, ok.get('Contact')]).toEqual([200, `<sip:answer@127.0.0.1:${wild.port}>`]);
    expect(bye.status).toBe(200);
  });

  it('over TCP: the connection\'s local address, the bound port and ;transport=tcp', async () => {
    const conn = await srv.tcpConnect();
    try {
      const callId = uniqueCallId();
      const from = `<sip:carol@127.0.0.1>;tag=t${callId.slice(0, 6)}`;
      const via = () => `SIP/2.0/TCP 127.0.0.1:${conn.port};branch=${uniqueBranch()}`;
      const ok = await conn.request(buildRequest({ uri: `sip:answer@${PROXY}`, via: via(), callId, from, headers: { 'Content-Type': 'application/sdp' }, body: SDP }));
      expect([ok.status, ok.get('Contact')]).toEqual([200, `<sip:answer@127.0.0.1:${srv.port};transport=tcp>`]);
      const to = `<sip:answer@${PROXY}>;tag=${tagOf(ok.get('To')) ?? ''}`;
      await conn.write(buildRequest({ method: 'ACK', uri: `sip:answer@127.0.0.1:${srv.port};transport=tcp`, via: via(), callId, from, to, cseq: '1 ACK' }));
      const bye = await conn.request(buildRequest({ method: 'BYE', uri: `sip:answer@127.0.0.1:${srv.port};transport=tcp`, via: via(), callId, from, to, cseq: '2 BYE' }));
      expect(bye.status).toBe(200);
    } finally {
      conn.close();
    }
  });
});

describe('3xx and 485 Contacts that point at us (§21.3.3, §21.4.23)', () => {
  it('redirects moved over TCP to answer on TCP: ;transport=tcp (RFC 3263 §4.1)', async () => {
    const conn = await srv.tcpConnect();
    try {
      const req = buildRequest({ uri: `sip:moved@${PROXY}`, via: `SIP/2.0/TCP 127.0.0.1:${conn.port};branch=${uniqueBranch()}` });
      const res = await conn.request(req);
      expect([res.status, res.getAll('Contact')]).toEqual([302, [`<sip:answer@127.0.0.1:${srv.port};transport=tcp>`]]);
      await conn.write(buildAck(req, res.get('To') ?? ''));
    } finally {
      conn.close();
    }
  });

  it('redirects moved over UDP to answer with the port, and lists ambiguous candidates the same way', async () => {
    const c = await srv.udpClient();
    try {
      for (const [user, code, want] of [
        ['moved', 302, [`<sip:answer@127.0.0.1:${srv.port}>`]],
        ['ambiguous', 485, [`<sip:alice@127.0.0.1:${srv.port}>`, `<sip:bob@127.0.0.1:${srv.port}>`]],
        ['485', 485, [`<sip:485-1@127.0.0.1:${srv.port}>`, `<sip:485-2@127.0.0.1:${srv.port}>`]],
      ] as const) {
        const req = buildRequest({ uri: `sip:${user}@${PROXY}`, via: `SIP/2.0/UDP 127.0.0.1:${c.port};branch=${uniqueBranch()};rport` });
        const res = await c.request(req);
        c.send(buildAck(req, res.get('To') ?? ''));
        expect([res.status, res.getAll('Contact')]).toEqual([code, want]);
      }
    } finally {
      await c.close();
    }
  });
});

describe('no redirect loop (§8.3)', () => {
  /** REGISTER bob through the digest challenge (§22.2), binding `contact`. */
  async function registerBob(c: UdpClient, contact: string): Promise<void> {
    const callId = uniqueCallId();
    const reg = (cseq: number, auth?: string) =>
      buildRequest({
        method: 'REGISTER',
        uri: 'sip:127.0.0.1',
        via: `SIP/2.0/UDP 127.0.0.1:${c.port};branch=${uniqueBranch()};rport`,
        from: '<sip:bob@127.0.0.1>;tag=regbob',
        to: '<sip:bob@127.0.0.1>',
        callId,
        cseq,
        headers: [['Contact', `<${contact}>`], ['Expires', '300'], ...(auth === undefined ? [] : [['Authorization', auth] as const])],
      });
    const challenge = await c.request(reg(1));
    const params = digestParams(challenge.get('WWW-Authenticate') ?? '');
    const ok = await c.request(reg(2, answerChallenge(params, { username: 'bob', method: 'REGISTER', uri: 'sip:127.0.0.1' })));
    expect(ok.status).toBe(200);
  }

  it('a client following every 302 ends at 404 instead of being redirected to the same URI again', async () => {
    const c = await srv.udpClient();
    try {
      // bob's binding names sip4xx itself: the client retries each Contact at sip4xx's address.
      const contact = `sip:bob@127.0.0.1:${srv.port}`;
      await registerBob(c, contact);
      const seen: [number, string][] = [];
      let target = 'sip:bob@127.0.0.1';
      const tried = new Set<string>();
      // Bounded: a loop would show as the same target answered 302 again; 10 hops is far past it.
      for (let hop = 0; hop < 10; hop++) {
        const req = buildRequest({ uri: target, via: `SIP/2.0/UDP 127.0.0.1:${c.port};branch=${uniqueBranch()};rport`, to: '<sip:bob@127.0.0.1>' });
        const res = await c.request(req);
        c.send(buildAck(req, res.get('To') ?? ''));
        seen.push([res.status, res.get('Contact') ?? '']);
        tried.add(target);
        if (res.status !== 302) break;
        target = /^<([^>]+)>/.exec(res.get('Contact') ?? '')?.[1] ?? '';
        if (tried.has(target)) break;
      }
      expect(seen).toEqual([
        [302, `<${contact}>`],
        [404, ''],
      ]);
    } finally {
      await c.close();
    }
  });
});
