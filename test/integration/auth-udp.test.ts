/**
 * Digest authentication over a real UDP socket (§22, RFC 8760): challenge, answer, stale nonces,
 * replays, wrong passwords and the proxy role, end to end through the transaction layer. The
 * client side computes digests with node:crypto (test/unit/auth/digest-client.ts), not src/auth.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildAck, buildRequest, digestParams, startTestServer, uniqueCallId, type ParsedResponse, type TestServer, type UdpClient } from '../helpers/index.js';
import { answerChallenge, type AnswerOptions } from '../unit/auth/digest-client.js';

let srv: TestServer;
let client: UdpClient;

beforeAll(async () => {
  srv = await startTestServer({ config: { transactions: { t1Ms: 100, t2Ms: 400, t4Ms: 500 } } });
});
afterAll(async () => {
  await srv.close();
});
beforeEach(async () => {
  client = await srv.udpClient();
});
afterEach(async () => {
  await client.close();
});

const HOST = '127.0.0.1';

function via(): string {
  return `SIP/2.0/UDP ${HOST}:${client.port};branch=z9hG4bK${Math.random().toString(36).slice(2)};rport`;
}

/** A REGISTER for `user` (§10.2: To is the address-of-record), on a given Call-ID and CSeq. */
function register(callId: string, cseq: number, headers: [string, string][] = [], user = 'alice'): Buffer {
  return buildRequest({
    method: 'REGISTER',
    uri: `sip:${HOST}`,
    via: via(),
    from: `<sip:${user}@${HOST}>;tag=reg${callId.slice(0, 8)}`,
    to: `<sip:${user}@${HOST}>`,
    callId,
    cseq,
    headers: [['Contact', `<sip:${user}@${HOST}:${client.port}>`], ['Expires', '300'], ...headers],
  });
}

function challengesOf(res: ParsedResponse, header = 'WWW-Authenticate'): Record<string, string>[] {
  return res.getAll(header).map(digestParams);
}

function pick(res: ParsedResponse, algorithm: string, header = 'WWW-Authenticate'): Record<string, string> {
  const c = challengesOf(res, header).find((p) => p.algorithm === algorithm);
  if (c === undefined) throw new Error(`no ${algorithm} challenge in ${res.text}`);
  return c;
}

/** The status an authenticated REGISTER gets: 200 once the registrar is in the pipeline (§10.3). */
function expectAuthorisedRegister(res: ParsedResponse): void {
  if (srv.config.pipeline.includes('registrar')) expect(res.status).toBe(200);
  else expect([401, 403]).not.toContain(res.status);
}

describe('REGISTER with digest over UDP (§22.2, RFC 8760)', () => {
  it('challenges alice on the defaults with 401 and one MD5 WWW-Authenticate: realm, nonce, opaque, qop="auth"', async () => {
    const res = await client.request(register(uniqueCallId(), 1));
    expect([res.status, res.reason]).toEqual([401, 'Unauthorized']);
    const values = res.getAll('WWW-Authenticate');
    expect(values).toHaveLength(1);
    expect(values[0]).toMatch(/^Digest realm="127\.0\.0\.1", nonce="[A-Za-z0-9_-]{43}", opaque="sip4xx", algorithm=MD5, qop="auth"$/);
    expect(srv.log.withMsg('answered').at(-1)).toMatchObject({ code: 401, rule: 'auth' });
  });

  it('challenges the demo user sha256 with its own algorithms: SHA-256 then MD5 (RFC 8760 §2.4)', async () => {
    const res = await client.request(register(uniqueCallId(), 1, [], 'sha256'));
    expect(res.status).toBe(401);
    const ch = challengesOf(res);
    expect(ch.map((c) => c.algorithm)).toEqual(['SHA-256', 'MD5']);
    for (const c of ch) {
      expect(c).toMatchObject({ realm: HOST, qop: 'auth', opaque: 'sip4xx' });
      expect(c.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(c.stale).toBeUndefined();
    }
  });

  it.each([
    ['alice', 'MD5'],
    ['sha256', 'SHA-256'],
    ['sha256', 'MD5'],
  ])('lets a REGISTER for %s with right %s credentials past auth (§22.2)', async (user, algorithm) => {
    const callId = uniqueCallId();
    const first = await client.request(register(callId, 1, [], user));
    const auth = answerChallenge(pick(first, algorithm), { method: 'REGISTER', uri: `sip:${HOST}`, username: user });
    // §22.2: "it MUST increment the CSeq header field value as it would normally".
    const res = await client.request(register(callId, 2, [['Authorization', auth]], user));
    expectAuthorisedRegister(res);
  });

  it('re-challenges SHA-256 credentials from alice, who was offered MD5 only (RFC 8760 §2.3)', async () => {
    const callId = uniqueCallId();
    const first = await client.request(register(callId, 1));
    const auth = answerChallenge(pick(first, 'MD5'), { method: 'REGISTER', uri: `sip:${HOST}`, algorithm: 'SHA-256' });
    const res = await client.request(register(callId, 2, [['Authorization', auth]]));
    expect(res.status).toBe(401);
    expect(challengesOf(res).map((c) => [c.algorithm, c.stale])).toEqual([['MD5', undefined]]);
  });

  it('answers a wrong password with 403 Forbidden (§22.1)', async () => {
    const callId = uniqueCallId();
    const first = await client.request(register(callId, 1));
    const auth = answerChallenge(pick(first, 'MD5'), { method: 'REGISTER', uri: `sip:${HOST}`, password: 'not-the-secret' });
    const res = await client.request(register(callId, 2, [['Authorization', auth]]));
    expect([res.status, res.reason]).toEqual([403, 'Forbidden']);
  });

  it('refuses a replayed nonce-count with a fresh nonce and stale=true, then takes the next count', async () => {
    const callId = uniqueCallId();
    const ch = pick(await client.request(register(callId, 1)), 'MD5');
    const answer = (o: Partial<AnswerOptions>) => answerChallenge(ch, { method: 'REGISTER', uri: `sip:${HOST}`, ...o });
    expectAuthorisedRegister(await client.request(register(callId, 2, [['Authorization', answer({ nc: 1 })]])));
    // The same credentials again, in a new transaction: a replay (RFC 7616 §3.4).
    const replay = await client.request(register(callId, 3, [['Authorization', answer({ nc: 1 })]]));
    expect(replay.status).toBe(401);
    const fresh = challengesOf(replay);
    expect(fresh.map((c) => c.stale)).toEqual(['true']);
    expect(fresh[0]?.nonce).not.toBe(ch.nonce);
    expectAuthorisedRegister(await client.request(register(callId, 4, [['Authorization', answer({ nc: 2 })]])));
  });

  it('verifies credentials answering an on-demand sip:401@host challenge like any other', async () => {
    const onDemand = await client.request(buildRequest({ method: 'REGISTER', uri: `sip:401@${HOST}`, via: via(), from: `<sip:carol@${HOST}>;tag=c401`, to: `<sip:carol@${HOST}>` }));
    expect(onDemand.status).toBe(401);
    const auth = answerChallenge(pick(onDemand, 'MD5'), { method: 'REGISTER', uri: `sip:${HOST}` });
    expectAuthorisedRegister(await client.request(register(uniqueCallId(), 1, [['Authorization', auth]])));
  });
});

describe('INVITE with digest over UDP (§22.2)', () => {
  it('challenges an INVITE from alice, then lets the authorised retry reach the busy user → 486', async () => {
    const callId = uniqueCallId();
    const invite = (cseq: number, headers: [string, string][] = []) =>
      buildRequest({ uri: `sip:busy@${HOST}`, via: via(), from: `<sip:alice@${HOST}>;tag=inv1`, to: `<sip:busy@${HOST}>`, callId, cseq, headers });
    const firstReq = invite(1);
    const first = await client.request(firstReq);
    expect(first.status).toBe(401);
    client.send(buildAck(firstReq, first.get('To') ?? '')); // §17.1.1.3: stop Timer G
    const secondReq = invite(2, [['Authorization', answerChallenge(pick(first, 'MD5'), { method: 'INVITE', uri: `sip:busy@${HOST}` })]]);
    const second = await client.request(secondReq);
    client.send(buildAck(secondReq, second.get('To') ?? ''));
    expect([second.status, second.get('Retry-After')]).toEqual([486, '60']);
  });
});

describe('stale nonces over UDP (RFC 7616 §3.3)', () => {
  let short: TestServer;
  beforeAll(async () => {
    short = await startTestServer({ config: { auth: { nonceTtlMs: 50 } } });
  });
  afterAll(async () => {
    await short.close();
  });

  it('answers right credentials on an expired nonce with 401 and stale=true; a wrong password there stays 403', async () => {
    const c = await short.udpClient();
    const req = (cseq: number, headers: [string, string][] = []) =>
      buildRequest({
        method: 'REGISTER',
        uri: `sip:${HOST}`,
        via: `SIP/2.0/UDP ${HOST}:${c.port};branch=z9hG4bKst${cseq}${Date.now()};rport`,
        from: `<sip:alice@${HOST}>;tag=st`,
        to: `<sip:alice@${HOST}>`,
        callId: 'stale-nonce@test.invalid',
        cseq,
        headers,
      });
    const ch = pick(await c.request(req(1)), 'MD5');
    // A real wait: the server's clock is the system clock; the unit tests cover this with a fake one.
    await new Promise((r) => setTimeout(r, 120));
    const stale = await c.request(req(2, [['Authorization', answerChallenge(ch, { method: 'REGISTER', uri: `sip:${HOST}` })]]));
    expect(stale.status).toBe(401);
    expect(challengesOf(stale).map((x) => x.stale)).toEqual(['true']);
    const wrong = await c.request(req(3, [['Authorization', answerChallenge(ch, { method: 'REGISTER', uri: `sip:${HOST}`, password: 'nope' })]]));
    expect(wrong.status).toBe(403);
  });
});

describe('proxy role over UDP (§22.3)', () => {
  let proxy: TestServer;
  beforeAll(async () => {
    proxy = await startTestServer({ config: { auth: { role: 'proxy' }, transactions: { t1Ms: 100, t2Ms: 400, t4Ms: 500 } } });
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('challenges with 407 and Proxy-Authenticate, and accepts Proxy-Authorization', async () => {
    const c = await proxy.udpClient();
    const callId = uniqueCallId();
    const invite = (cseq: number, headers: [string, string][] = []) =>
      buildRequest({
        uri: `sip:busy@${HOST}`,
        via: `SIP/2.0/UDP ${HOST}:${c.port};branch=z9hG4bKpx${cseq}${Date.now()};rport`,
        from: `<sip:alice@${HOST}>;tag=px`,
        to: `<sip:busy@${HOST}>`,
        callId,
        cseq,
        headers,
      });
    const firstReq = invite(1);
    const first = await c.request(firstReq);
    expect([first.status, first.reason]).toEqual([407, 'Proxy Authentication Required']);
    expect(first.getAll('WWW-Authenticate')).toEqual([]);
    expect(challengesOf(first, 'Proxy-Authenticate').map((x) => x.algorithm)).toEqual(['MD5']);
    c.send(buildAck(firstReq, first.get('To') ?? ''));
    const creds = answerChallenge(pick(first, 'MD5', 'Proxy-Authenticate'), { method: 'INVITE', uri: `sip:busy@${HOST}` });
    const secondReq = invite(2, [['Proxy-Authorization', creds]]);
    const second = await c.request(secondReq);
    c.send(buildAck(secondReq, second.get('To') ?? ''));
    expect(second.status).toBe(486);
  });
});
