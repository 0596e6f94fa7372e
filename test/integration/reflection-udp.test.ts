/**
 * Reflection and amplification over real UDP on loopback (docs/ARCHITECTURE.md, Reflection): what
 * a source that never ACKs gets back against what it sent, over the whole Timer H window; every
 * Timer G retransmission for a source that ACKs with our To tag (§17.2.1); a registered user's 302
 * cut to fit a datagram; a response too large for any datagram answered, not lost. T1 is 50 ms
 * (Timer H 3.2 s) so each test is bounded in seconds; the byte ratios do not depend on T1.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startUdp } from '../../src/transport/udp.js';
import { buildRequest, digestParams, startTestServer, uniqueBranch, uniqueCallId, type TestServer } from '../helpers/index.js';
import { memoryLogger } from '../helpers/memory-logger.js';
import { parseResponse, type ParsedResponse } from '../helpers/sip-response.js';
import { answerChallenge } from '../unit/auth/digest-client.js';

const T1 = 50;
const TIMER_H = 64 * T1;
const FAST = { transactions: { t1Ms: T1, t2Ms: 400, t4Ms: 500 } };

let srv: TestServer | undefined;
const sockets: dgram.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await srv?.close();
  srv = undefined;
});

/** A raw UDP socket that counts every datagram and byte that reaches it. */
async function rawClient() {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  const got: Buffer[] = [];
  socket.on('message', (d) => got.push(d));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  return {
    port,
    got,
    send: (data: Buffer) => socket.send(data, srv?.port ?? 0, '127.0.0.1'),
    bytes: () => got.reduce((n, d) => n + d.length, 0),
    /** Datagrams with this Call-ID, parsed. */
    of: (callId: string): ParsedResponse[] => got.map((d) => parseResponse(d)).filter((r) => r.get('call-id') === callId),
    /** The next datagram with this Call-ID, waiting at most `ms`. */
    async next(callId: string, ms = 1000): Promise<ParsedResponse> {
      const seen = got.length;
      for (let waited = 0; waited <= ms; waited += 10) {
        const hit = got.slice(seen).map((d) => parseResponse(d)).find((r) => r.get('call-id') === callId);
        if (hit !== undefined) return hit;
        await sleep(10);
      }
      throw new Error(`no response with Call-ID ${callId} within ${ms} ms`);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function invite(port: number, callId: string, branch: string, user = '486', vias: readonly string[] = []) {
  return buildRequest({
    uri: `sip:${user}@127.0.0.1`,
    via: [`SIP/2.0/UDP 127.0.0.1:${port};branch=${branch};rport`, ...vias],
    from: `<sip:carol@127.0.0.1>;tag=f${branch.slice(-8)}`,
    to: `<sip:${user}@127.0.0.1>`,
    callId,
  });
}

function ackFor(port: number, callId: string, branch: string, res: ParsedResponse, user = '486') {
  return buildRequest({
    method: 'ACK',
    uri: `sip:${user}@127.0.0.1`,
    via: `SIP/2.0/UDP 127.0.0.1:${port};branch=${branch};rport`,
    from: `<sip:carol@127.0.0.1>;tag=f${branch.slice(-8)}`,
    to: res.get('to'),
    callId,
    cseq: '1 ACK',
  });
}

describe('bounded reflection over UDP (RFC 3261 §17.2.1, RFC 8085 §3.1)', () => {
  it('200 INVITEs never ACKed from one source get back at most 3× their bytes over Timer H', async () => {
    srv = await startTestServer({ config: FAST });
    const c = await rawClient();
    let sent = 0;
    for (let i = 0; i < 200; i++) {
      const req = invite(c.port, uniqueCallId(), uniqueBranch());
      sent += req.length;
      c.send(req);
      if (i % 20 === 19) await sleep(5); // stay within the socket buffers
    }
    await sleep(TIMER_H + 500);
    const ratio = c.bytes() / sent;
    // Every INVITE answered once at least; retransmissions only as far as the credit goes.
    expect(c.got.length).toBeGreaterThanOrEqual(200);
    expect(ratio).toBeLessThanOrEqual(3);
    const stats = srv.server.core.stats;
    expect(stats.retransmissionsSuppressed).toBeGreaterThan(0);
    console.info(`reflection: ${sent} B in, ${c.bytes()} B out in ${c.got.length} datagrams (${ratio.toFixed(2)}×), ${stats.retransmissionsSuppressed} retransmissions suppressed`);
  }, 15_000);

  it('a source that ACKs with our To tag gets every Timer G retransmission until Timer H', async () => {
    srv = await startTestServer({ config: FAST });
    const c = await rawClient();
    const first = { callId: uniqueCallId(), branch: uniqueBranch() };
    c.send(invite(c.port, first.callId, first.branch));
    const busy = await c.next(first.callId);
    expect(busy.status).toBe(486);
    c.send(ackFor(c.port, first.callId, first.branch, busy));
    await sleep(100);
    // Now proven: a second INVITE left un-ACKed is retransmitted at 50, 150, 350, 750, 1150 … 3150 ms.
    const second = uniqueCallId();
    c.send(invite(c.port, second, uniqueBranch()));
    await sleep(TIMER_H + 400);
    const answers = c.of(second);
    expect(answers.map((r) => r.status)).toEqual(Array(11).fill(486));
    expect(new Set(answers.map((r) => r.text)).size).toBe(1);
    expect(srv.server.core.stats.retransmissionsSuppressed).toBe(0);
  }, 15_000);
});

describe('Contact lists and datagram size (RFC 3261 §8.3, §18.2.2)', () => {
  it("sends a registered user's 302 cut to whole Contacts that fit 1300 bytes, in registration order", async () => {
    srv = await startTestServer({});
    const c = await rawClient();
    // Seven bindings of 400-byte Contacts, registered with the demo password (§22.2).
    const contacts = Array.from({ length: 7 }, (_, i) => `<sip:alice@127.0.0.1:${c.port};dev=${i};x=${'a'.repeat(360)}>`);
    const callId = uniqueCallId();
    const register = (cseq: number, auth: [string, string][]) =>
      buildRequest({
        method: 'REGISTER',
        uri: 'sip:127.0.0.1',
        via: `SIP/2.0/UDP 127.0.0.1:${c.port};branch=${uniqueBranch()};rport`,
        from: '<sip:alice@127.0.0.1>;tag=reg1',
        to: '<sip:alice@127.0.0.1>',
        callId,
        cseq,
        headers: [...contacts.map((v) => ['Contact', v] as [string, string]), ['Expires', '300'], ...auth],
      });
    c.send(register(1, []));
    const challenge = await c.next(callId);
    expect(challenge.status).toBe(401);
    const authz = answerChallenge(digestParams(challenge.get('www-authenticate') ?? ''), { method: 'REGISTER', uri: 'sip:127.0.0.1' });
    c.send(register(2, [['Authorization', authz]]));
    const ok = await c.next(callId);
    expect(ok.status).toBe(200);

    const call = uniqueCallId();
    c.send(invite(c.port, call, uniqueBranch(), 'alice'));
    const redirect = await c.next(call);
    expect(redirect.status).toBe(302);
    const raw = c.got.at(-1) as Buffer;
    expect(raw.length).toBeLessThanOrEqual(1300);
    const listed = redirect.getAll('contact');
    expect(listed.length).toBeGreaterThanOrEqual(1);
    expect(listed).toEqual(contacts.slice(0, listed.length));
    // one Contact more would not have fitted
    expect(raw.length + 'Contact: \r\n'.length + (contacts[listed.length] as string).length).toBeGreaterThan(1300);
  });

  it('answers 500 in one datagram, logged and counted, when the response would exceed 65,507 bytes', async () => {
    // A custom rule's 16 header fields of 1,024 bytes and 16 KB body, each at the configuration's
    // bounds, with the 32 KB of Via lines the request brings (§8.2.6.2 copies them): over 65,507.
    const headers = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`X-Pad-${i}`, 'x'.repeat(1024)]));
    const body = { type: 'text/plain', content: 'y'.repeat(16_384) };
    srv = await startTestServer({ config: { rules: [{ name: 'huge', match: { user: '^huge$' }, respond: { code: 480, headers, body } }] } });
    const c = await rawClient();
    const callId = uniqueCallId();
    const branch = uniqueBranch();
    const proxies = Array.from({ length: 300 }, (_, i) => `SIP/2.0/UDP proxy${i}.example.com;branch=z9hG4bK${String(i).padStart(3, '0')}${'p'.repeat(60)}`);
    c.send(invite(c.port, callId, branch, 'huge', proxies));
    const res = await c.next(callId);
    expect([res.status, res.reason, res.get('content-length')]).toEqual([500, 'Response Too Large For UDP', '0']);
    c.send(ackFor(c.port, callId, branch, res, 'huge'));
    expect(srv.server.core.stats.responsesTooLarge).toBe(1);
    expect(srv.log.withMsg('response too large for a UDP datagram; answered 500 instead')).toEqual([
      expect.objectContaining({ level: 40, status: 480, src: `127.0.0.1:${c.port}` }),
    ]);
  });

  it('the UDP transport counts and logs, once per 10 s, datagrams too large to send instead of losing them silently', async () => {
    const { logger, withMsg } = memoryLogger();
    const transport = await startUdp({ host: '127.0.0.1', port: 0, logger, handler: (_d, flow) => flow.send(Buffer.alloc(65_508), flow.remote) });
    try {
      const c = await rawClient();
      const to = transport.address().port;
      for (let i = 0; i < 3; i++) sockets[0]?.send('x', to, '127.0.0.1');
      for (let waited = 0; transport.counters.received < 3 && waited < 1000; waited += 10) await sleep(10);
      expect(transport.counters.tooLarge).toBe(3);
      expect(transport.counters.sent).toBe(0);
      expect(c.got).toEqual([]);
      expect(withMsg('udp datagram too large to send; dropped')).toEqual([expect.objectContaining({ level: 40, bytes: 65_508, to: `127.0.0.1:${c.port}` })]);
    } finally {
      await transport.close();
    }
  });
});
