/**
 * A real third-party SIP stack as the client: the npm `sip` package (0.0.6, a dev dependency)
 * REGISTERs alice / secret through sip4xx's 401 with its own digest.js (RFC 2617 / §22.4), over
 * real UDP and TCP sockets on loopback, against a server on the default configuration.
 *
 * That stack answers the first challenge of the realm it finds and always hashes with MD5, so it
 * only registers while the default auth.algorithms offers MD5 alone (config/default.yaml); with
 * SHA-256 offered first it would send an MD5 digest labelled SHA-256 and get 403.
 */
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/index.js';

/** The parts of the npm `sip` API this test uses (the package ships no types). */
interface SipMessage {
  method?: string;
  uri?: string;
  status?: number;
  reason?: string;
  headers: Record<string, unknown> & { cseq: { method: string; seq: number } };
}
interface SipStack {
  send(m: SipMessage, onResponse: (rs: SipMessage) => void): void;
  destroy(): void;
}
interface SipModule {
  create(options: Record<string, unknown>, onRequest: (rq: SipMessage) => void): SipStack;
}
interface DigestModule {
  signRequest(ctx: Record<string, unknown> | undefined, rq: SipMessage, rs: SipMessage, creds: { user: string; password: string }): unknown;
}

const require = createRequire(import.meta.url);
const sip = require('sip') as SipModule;
const digest = require('sip/digest') as DigestModule;

const HOST = '127.0.0.1';
/**
 * The npm stack takes any Request-URI on its own address for one of its flow tokens, so it sits on
 * another loopback address (all of 127.0.0.0/8 is loopback).
 */
const CLIENT_HOST = '127.0.0.2';
const ANSWER_MS = 3000;

/** A port free for both UDP and TCP on CLIENT_HOST (the npm stack binds both; it has no port 0). */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const server = net.createServer();
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, CLIENT_HOST, () => resolve((server.address() as net.AddressInfo).port));
    });
    const udp = dgram.createSocket('udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, CLIENT_HOST, () => resolve(true));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (udpFree) return port;
  }
  throw new Error('no port free for both UDP and TCP in 20 attempts');
}

let srv: TestServer;
let stack: SipStack;
let clientPort: number;
const received: SipMessage[] = [];

beforeAll(async () => {
  srv = await startTestServer();
  clientPort = await freePort();
  stack = sip.create({ address: CLIENT_HOST, port: clientPort, udp: true, tcp: true, logger: {} }, (rq) => received.push(rq));
});
afterAll(async () => {
  stack.destroy();
  await srv.close();
});

/** Send through the npm stack and resolve with the final response (bounded by ANSWER_MS). */
function finalResponse(rq: SipMessage): Promise<SipMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no final response to ${rq.method} in ${ANSWER_MS} ms`)), ANSWER_MS);
    stack.send(rq, (rs) => {
      if ((rs.status ?? 0) < 200) return;
      clearTimeout(timer);
      resolve(rs);
    });
  });
}

function register(transport: 'udp' | 'tcp', callId: string, seq: number): SipMessage {
  return {
    method: 'REGISTER',
    uri: `sip:${HOST}:${srv.port};transport=${transport}`,
    headers: {
      to: { uri: `sip:alice@${HOST}` },
      from: { uri: `sip:alice@${HOST}`, params: { tag: `npm${transport}` } },
      'call-id': callId,
      cseq: { method: 'REGISTER', seq },
      contact: [{ uri: `sip:alice@${CLIENT_HOST}:${clientPort};transport=${transport}` }],
      expires: 600,
      'content-length': 0,
    },
  };
}

describe('the npm sip stack registers alice on the default configuration (§22.2, §10.3)', () => {
  it.each(['udp', 'tcp'] as const)('REGISTER over %s → 401 with one MD5 challenge → REGISTER signed by sip/digest → 200', async (transport) => {
    const callId = `npm-sip-${transport}-${Date.now()}@${HOST}`;
    const first = await finalResponse(register(transport, callId, 1));
    expect([first.status, first.reason]).toEqual([401, 'Unauthorized']);
    const challenges = first.headers['www-authenticate'] as { scheme: string; algorithm?: string; qop?: string }[];
    expect(challenges.map((c) => [c.scheme, c.algorithm, c.qop])).toEqual([['Digest', 'MD5', '"auth"']]);

    // §22.2: the retry carries credentials and the next CSeq, on the same Call-ID.
    const second = register(transport, callId, 2);
    digest.signRequest(undefined, second, first, { user: 'alice', password: 'secret' });
    const authorization = (second.headers.authorization as { username: string; algorithm: string; qop: string }[])[0];
    expect([authorization?.username, authorization?.algorithm, authorization?.qop]).toEqual(['"alice"', 'md5', 'auth']);
    const ok = await finalResponse(second);
    expect([ok.status, ok.reason]).toEqual([200, 'OK']);
    const contacts = ok.headers.contact as { uri: string; params: Record<string, string> }[];
    // §10.3 step 8: the 200 lists all of alice's bindings, this one with the expiry granted.
    expect(contacts.map((c) => [c.uri, c.params.expires])).toContainEqual([`sip:alice@${CLIENT_HOST}:${clientPort};transport=${transport}`, '600']);

    const answered = srv.log.withMsg('answered').filter((l) => l.callId === callId);
    expect(answered.map((l) => [l.method, l.code, l.rule, l.transport])).toEqual([
      ['REGISTER', 401, 'auth', transport],
      ['REGISTER', 200, 'registrar', transport],
    ]);
    expect(received).toEqual([]);
  });
});
