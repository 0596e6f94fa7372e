import { describe, expect, it } from 'vitest';
import { AuthService } from '../../../src/auth/auth-service.js';
import { authRule } from '../../../src/rules/auth.js';
import type { Decision } from '../../../src/rules/rule.js';
import { testConfig, type ConfigOverrides } from '../../helpers/config.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';
import type { RequestSpec } from '../../helpers/sip-request.js';
import { digestParams } from '../../helpers/sip-response.js';
import { answerChallenge, type AnswerOptions } from '../auth/digest-client.js';

const TTL = 60_000;

/** The auth rule with its service on a fake clock (STYLE: no sleeps). */
function setup(overrides: ConfigOverrides = {}) {
  const merged = { auth: { nonceTtlMs: TTL }, ...overrides };
  const config = testConfig(merged);
  let t = 1_700_000_000_000;
  const auth = new AuthService({ now: () => t, config: () => config, secret: Buffer.alloc(32, 7) });
  const ctx = ruleContext({ config: merged, extra: { services: { auth } } });
  const check = (spec: RequestSpec): Decision | undefined => authRule.check(requestOf(spec), ctx);
  return {
    auth,
    check,
    tick: (ms: number) => void (t += ms),
    /** The challenges of a 401/407, parsed. */
    challenges: (d: Decision | undefined, header = 'WWW-Authenticate') => (d?.headers ?? []).filter(([n]) => n === header).map(([, v]) => digestParams(v)),
  };
}

const REGISTER: RequestSpec = { method: 'REGISTER', uri: 'sip:127.0.0.1', from: '<sip:alice@127.0.0.1>;tag=a1', to: '<sip:alice@127.0.0.1>' };
/** The demo user whose own `algorithms` ([SHA-256, MD5]) override auth.algorithms ([MD5]). */
const REGISTER_SHA256: RequestSpec = { ...REGISTER, from: '<sip:sha256@127.0.0.1>;tag=s1', to: '<sip:sha256@127.0.0.1>' };
const INVITE: RequestSpec = { method: 'INVITE', uri: 'sip:busy@127.0.0.1', from: '<sip:alice@127.0.0.1>;tag=a2', to: '<sip:busy@127.0.0.1>' };

function withAuth(spec: RequestSpec, ...values: string[]): RequestSpec {
  return { ...spec, headers: values.map((v) => ['Authorization', v] as const) };
}

describe('auth rule: who must authenticate (§22)', () => {
  it.each<[string, RequestSpec, number | undefined]>([
    ['a REGISTER for alice (To) without credentials', REGISTER, 401],
    ['an INVITE from alice (From) without credentials', INVITE, 401],
    ['a REGISTER from carol for alice: the To user is the one registered (§10.2)', { ...REGISTER, from: '<sip:carol@127.0.0.1>;tag=c' }, 401],
    ['a REGISTER from alice for carol, whom no config knows', { ...REGISTER, to: '<sip:carol@127.0.0.1>' }, undefined],
    ['an INVITE from carol, whom no config knows', { ...INVITE, from: '<sip:carol@127.0.0.1>;tag=c' }, undefined],
    ['an INVITE from busy, a user without a password', { ...INVITE, from: '<sip:busy@127.0.0.1>;tag=b' }, undefined],
    ['an OPTIONS from alice (not in auth.methods)', { ...INVITE, method: 'OPTIONS' }, undefined],
    ['an INVITE from %61lice, escaped (§19.1.4)', { ...INVITE, from: '<sip:%61lice@127.0.0.1>;tag=e' }, 401],
  ])('%s → %s', (_what, spec, status) => {
    expect(setup().check(spec)?.status).toBe(status);
  });

  it.each(['ACK', 'CANCEL'])('never challenges %s, even when auth.methods lists it (§22.1)', (method) => {
    const s = setup({ auth: { nonceTtlMs: TTL, methods: ['REGISTER', 'INVITE', 'ACK', 'CANCEL'] } });
    expect(s.check({ ...INVITE, method })).toBeUndefined();
  });
});

describe('auth rule: challenges (§22.2, §22.3, RFC 8760 §2.4)', () => {
  it('answers 401 with one WWW-Authenticate on the defaults: MD5, realm, nonce, opaque, qop="auth"', () => {
    const s = setup();
    const d = s.check(REGISTER);
    expect(d?.status).toBe(401);
    expect(d?.headers?.map(([n]) => n)).toEqual(['WWW-Authenticate']);
    const value = d?.headers?.[0]?.[1] ?? '';
    expect(value).toMatch(/^Digest realm="127\.0\.0\.1", nonce="[A-Za-z0-9_-]{43}", opaque="sip4xx", algorithm=MD5, qop="auth"$/);
  });

  it("challenges a user with its own algorithms once per algorithm, in the user's order (RFC 8760 §2.4)", () => {
    const s = setup();
    const d = s.check(REGISTER_SHA256);
    expect(d?.headers?.map(([n]) => n)).toEqual(['WWW-Authenticate', 'WWW-Authenticate']);
    const ch = s.challenges(d);
    expect(ch.map((c) => c.algorithm)).toEqual(['SHA-256', 'MD5']);
    for (const c of ch) {
      expect(c).toMatchObject({ realm: '127.0.0.1', opaque: 'sip4xx', qop: 'auth' });
      expect(c.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(c.stale).toBeUndefined();
    }
  });

  it('uses auth.realm and auth.algorithms when configured', () => {
    const s = setup({ auth: { nonceTtlMs: TTL, realm: 'sip4xx.test', algorithms: ['SHA-256', 'MD5'] } });
    const ch = s.challenges(s.check(REGISTER));
    expect(ch.map((c) => [c.realm, c.algorithm])).toEqual([
      ['sip4xx.test', 'SHA-256'],
      ['sip4xx.test', 'MD5'],
    ]);
  });

  it('answers 407 with Proxy-Authenticate in the proxy role (§22.3)', () => {
    const s = setup({ auth: { nonceTtlMs: TTL, role: 'proxy' } });
    const d = s.check(INVITE);
    expect(d?.status).toBe(407);
    expect(d?.headers?.map(([n]) => n)).toEqual(['Proxy-Authenticate']);
  });
});

describe('auth rule: verifying credentials (§22.4, RFC 7616 §3.4)', () => {
  /** Challenge, then answer the first challenge offering `pick` (default MD5), tweaked by `edit`. */
  function answered(spec: RequestSpec, opts: Partial<AnswerOptions> & { pick?: string } = {}, edit: (v: string) => string = (v) => v) {
    const s = setup();
    const ch = s.challenges(s.check(spec)).find((c) => c.algorithm === (opts.pick ?? 'MD5')) ?? {};
    const value = edit(answerChallenge(ch, { method: spec.method ?? 'INVITE', uri: spec.uri ?? '', ...opts }));
    return { s, value, decision: s.check(withAuth(spec, value)) };
  }

  it.each<[string, Partial<AnswerOptions> & { pick?: string }, ((v: string) => string) | undefined, number | undefined, string | undefined]>([
    ['right MD5 credentials pass on', {}, undefined, undefined, undefined],
    ['SHA-256 credentials for a user offered MD5 only (never offered) → fresh 401', { algorithm: 'SHA-256' }, undefined, 401, undefined],
    ['the RFC 2069 form (no qop) passes on (§22.4)', { rfc2069: true }, undefined, undefined, undefined],
    ['a wrong password → 403', { password: 'wrong' }, undefined, 403, undefined],
    ["bob's right password in alice's request → 403", { username: 'bob' }, undefined, 403, undefined],
    ['an unknown username → 403', { username: 'mallory' }, undefined, 403, undefined],
    ['a -sess algorithm (never offered) → fresh 401', { algorithm: 'SHA-256-sess' }, undefined, 401, undefined],
    ['an unknown algorithm → fresh 401', { algorithm: 'SHA-512-256' }, undefined, 401, undefined],
    ['qop=auth-int (never offered) → fresh 401', {}, (v) => v.replace('qop=auth', 'qop=auth-int'), 401, undefined],
    ['a nonce we did not issue → fresh 401, not stale', {}, (v) => v.replace(/nonce="[^"]*"/, 'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"'), 401, undefined],
    ['an opaque from another challenge → fresh 401', {}, (v) => v.replace('opaque="sip4xx"', 'opaque="other"'), 401, undefined],
    ['credentials for another realm → fresh 401', {}, (v) => v.replace('realm="127.0.0.1"', 'realm="elsewhere"'), 401, undefined],
    ['no uri → 400', {}, (v) => v.replace(/uri="[^"]*", /, ''), 400, 'Malformed Authorization header field'],
    ['nc not 8 hex digits → 400', {}, (v) => v.replace('nc=00000001', 'nc=1'), 400, 'Malformed Authorization header field'],
    ['qop=auth without cnonce → 400', {}, (v) => v.replace(/, cnonce="[^"]*"/, ''), 400, 'Malformed Authorization header field'],
    ['unparseable Digest credentials → 400', {}, (v) => `${v}, "`, 400, 'Malformed Authorization header field'],
  ])('%s', (_what, opts, edit, status, reason) => {
    const { decision } = answered(REGISTER, opts, edit);
    expect(decision?.status).toBe(status);
    if (reason !== undefined) expect(decision?.reason).toBe(reason);
    if (status === 401) expect(digestParams(decision?.headers?.[0]?.[1] ?? '').stale).toBeUndefined();
  });

  it('authenticates an INVITE with the From user', () => {
    expect(answered(INVITE).decision).toBeUndefined();
  });

  it.each(['SHA-256', 'MD5'])('takes right %s credentials from a user offered SHA-256 and MD5 (RFC 8760 §2.3)', (pick) => {
    const { decision } = answered(REGISTER_SHA256, { pick, username: 'sha256' });
    expect(decision).toBeUndefined();
  });

  it('refuses a wrong SHA-256 password with 403 (§22.1)', () => {
    expect(answered(REGISTER_SHA256, { pick: 'SHA-256', username: 'sha256', password: 'wrong' }).decision?.status).toBe(403);
  });

  it('picks the credentials for our realm among several Authorization header fields (§22.3)', () => {
    const s = setup();
    const ch = s.challenges(s.check(REGISTER))[0] ?? {};
    const ours = answerChallenge(ch, { method: 'REGISTER', uri: 'sip:127.0.0.1' });
    const theirs = answerChallenge({ ...ch, realm: 'elsewhere' }, { method: 'REGISTER', uri: 'sip:127.0.0.1', password: 'other' });
    expect(s.check(withAuth(REGISTER, 'Bearer abc.def', theirs, ours))).toBeUndefined();
  });

  it('ignores Proxy-Authorization in the UAS role', () => {
    const { s, value } = answered(REGISTER);
    expect(s.check({ ...REGISTER, headers: [['Proxy-Authorization', value]] })?.status).toBe(401);
  });

  it('reads Proxy-Authorization, not Authorization, in the proxy role (§22.3)', () => {
    const s = setup({ auth: { nonceTtlMs: TTL, role: 'proxy' } });
    const ch = s.challenges(s.check(INVITE), 'Proxy-Authenticate')[0] ?? {};
    const value = answerChallenge(ch, { method: 'INVITE', uri: INVITE.uri ?? '' });
    expect(s.check({ ...INVITE, headers: [['Authorization', value]] })?.status).toBe(407);
    expect(s.check({ ...INVITE, headers: [['Proxy-Authorization', value]] })).toBeUndefined();
  });
});

describe('auth rule: stale nonces and replays (RFC 7616 §3.3, §3.4)', () => {
  function challenged() {
    const s = setup();
    const ch = s.challenges(s.check(REGISTER))[0] ?? {};
    const answer = (o: Partial<AnswerOptions> = {}) => withAuth(REGISTER, answerChallenge(ch, { method: 'REGISTER', uri: 'sip:127.0.0.1', ...o }));
    return { s, answer };
  }

  it('answers right credentials on an expired nonce with a fresh 401 and stale=true', () => {
    const { s, answer } = challenged();
    s.tick(TTL + 1);
    const d = s.check(answer());
    expect(d?.status).toBe(401);
    expect(s.challenges(d).map((c) => c.stale)).toEqual(['true']);
  });

  it('marks every challenge stale=true for a user offered two algorithms', () => {
    const s = setup();
    const ch = s.challenges(s.check(REGISTER_SHA256))[0] ?? {};
    s.tick(TTL + 1);
    const d = s.check(withAuth(REGISTER_SHA256, answerChallenge(ch, { method: 'REGISTER', uri: 'sip:127.0.0.1', username: 'sha256' })));
    expect(d?.status).toBe(401);
    expect(s.challenges(d).map((c) => [c.algorithm, c.stale])).toEqual([
      ['SHA-256', 'true'],
      ['MD5', 'true'],
    ]);
  });

  it('answers a wrong password on an expired nonce with 403, never stale=true', () => {
    const { s, answer } = challenged();
    s.tick(TTL + 1);
    expect(s.check(answer({ password: 'wrong' }))?.status).toBe(403);
  });

  it('accepts rising nonce-counts on one nonce and refuses a repeated one with a fresh nonce, stale=true', () => {
    const { s, answer } = challenged();
    expect(s.check(answer({ nc: 1 }))).toBeUndefined();
    expect(s.check(answer({ nc: 2 }))).toBeUndefined();
    const replay = s.check(answer({ nc: 2 }));
    expect(replay?.status).toBe(401);
    expect(s.challenges(replay)[0]?.stale).toBe('true');
    expect(s.check(answer({ nc: 1 }))?.status).toBe(401);
    expect(s.check(answer({ nc: 3 }))).toBeUndefined();
  });

  it('takes an RFC 2069 nonce once: without nc a second use is a replay', () => {
    const { s, answer } = challenged();
    expect(s.check(answer({ rfc2069: true }))).toBeUndefined();
    expect(s.check(answer({ rfc2069: true }))?.status).toBe(401);
  });

  it('does not let a wrong response move the count (no one burns a nonce they cannot answer)', () => {
    const { s, answer } = challenged();
    expect(s.check(answer({ nc: 9, password: 'wrong' }))?.status).toBe(403);
    expect(s.check(answer({ nc: 1 }))).toBeUndefined();
  });

  it('remembers at most auth.maxNonces nonces', () => {
    const s = setup({ auth: { nonceTtlMs: TTL, maxNonces: 2 } });
    for (let i = 0; i < 5; i++) {
      const ch = s.challenges(s.check(REGISTER))[0] ?? {};
      expect(s.check(withAuth(REGISTER, answerChallenge(ch, { method: 'REGISTER', uri: 'sip:127.0.0.1' })))).toBeUndefined();
    }
    expect(s.auth.trackedNonces).toBe(2);
  });
});
