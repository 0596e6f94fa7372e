/**
 * Password guessing over real UDP (RFC 3261 §22, §21.5.4): after auth.throttle.maxFailures wrong
 * passwords from 127.0.0.1, that address gets 503 with Retry-After — even with the right password —
 * while 127.0.0.2 registers alice at once; the counters are those /metrics exports.
 */
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRequest, digestParams, parseResponse, startTestServer, uniqueCallId, type ParsedResponse, type TestServer } from '../helpers/index.js';
import { answerChallenge } from '../unit/auth/digest-client.js';

let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer({ config: { auth: { throttle: { maxFailures: 3, windowMs: 60_000, lockoutMs: 30_000, maxSources: 100 } } } });
});
afterAll(async () => {
  await srv.close();
});

/** A UDP socket bound to `address` that sends one request and waits (bounded) for its final response. */
async function clientOn(address: string) {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  const port = socket.address().port;
  const request = (data: Buffer): Promise<ParsedResponse> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.off('message', onMessage);
        reject(new Error('no response within 2000 ms'));
      }, 2000);
      const onMessage = (msg: Buffer) => {
        const res = parseResponse(msg);
        if (res.status < 200) return;
        clearTimeout(timer);
        socket.off('message', onMessage);
        resolve(res);
      };
      socket.on('message', onMessage);
      socket.send(data, srv.port, srv.host);
    });
  return { address, port, request, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

type Client = Awaited<ReturnType<typeof clientOn>>;

function register(c: Client, callId: string, cseq: number, authz?: string): Buffer {
  return buildRequest({
    method: 'REGISTER',
    uri: `sip:${srv.host}`,
    via: `SIP/2.0/UDP ${c.address}:${c.port};branch=z9hG4bK${Math.random().toString(36).slice(2)};rport`,
    from: `<sip:alice@${srv.host}>;tag=t${cseq}`,
    to: `<sip:alice@${srv.host}>`,
    callId,
    cseq,
    headers: [['Contact', `<sip:alice@${c.address}:${c.port}>`], ['Expires', '300'], ...(authz === undefined ? [] : [['Authorization', authz] as [string, string]])],
  });
}

/** Challenge, then answer it with `password`: the final response to the answer. */
async function attempt(c: Client, password: string): Promise<ParsedResponse> {
  const callId = uniqueCallId();
  const ch = await c.request(register(c, callId, 1));
  expect(ch.status).toBe(401);
  const authz = answerChallenge(digestParams(ch.get('WWW-Authenticate') ?? ''), { method: 'REGISTER', uri: `sip:${srv.host}`, password });
  return c.request(register(c, callId, 2, authz));
}

describe('auth throttle over UDP (§21.5.4)', () => {
  it('backs off 127.0.0.1 after 3 wrong passwords and leaves 127.0.0.2 alone', async () => {
    const guesser = await clientOn('127.0.0.1');
    const other = await clientOn('127.0.0.2');
    try {
      for (let i = 0; i < 3; i++) expect((await attempt(guesser, `guess${i}`)).status).toBe(403);
      const locked = await attempt(guesser, 'secret');
      expect([locked.status, locked.reason, locked.get('Retry-After')]).toEqual([503, 'Service Unavailable', '30']);
      const ok = await attempt(other, 'secret');
      expect(ok.status).toBe(200);
      expect(srv.server.core.tables.auth()).toEqual({ failures: 3, throttled: 1 });
    } finally {
      await guesser.close();
      await other.close();
    }
  });
});
