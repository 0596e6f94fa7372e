import { describe, expect, it } from 'vitest';
import { digestChallenges, NonceService } from '../../../src/auth/nonce.js';
import { codeInUriRule, codeOf } from '../../../src/rules/code-in-uri.js';
import { REASON_PHRASES } from '../../../src/sip/status.js';
import { digestParams } from '../../helpers/sip-response.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

const nonces = new NonceService(() => 1_700_000_000_000);
const ctx = ruleContext({
  challenge: (realm) => digestChallenges(realm, nonces.issue(), 'sip4xx'),
  flow: { local: { address: '192.0.2.10', port: 5060 } },
});

const FOUR_XX = Object.keys(REASON_PHRASES).map(Number).filter((c) => c >= 400 && c <= 499);

/** Header names each code must carry (RFC 3261 §21.4); every other code carries none. */
const REQUIRED: Readonly<Record<number, readonly string[]>> = {
  401: ['WWW-Authenticate', 'WWW-Authenticate'],
  405: ['Allow'],
  407: ['Proxy-Authenticate', 'Proxy-Authenticate'],
  413: ['Retry-After'],
  415: ['Accept', 'Accept-Encoding', 'Accept-Language'],
  420: ['Unsupported'],
  421: ['Require'],
  422: ['Min-SE'],
  423: ['Min-Expires'],
  480: ['Retry-After'],
  485: ['Contact', 'Contact'],
  486: ['Retry-After'],
  488: ['Warning'],
  489: ['Allow-Events'],
};

function answer(uri: string, spec: Parameters<typeof requestOf>[0] = {}) {
  const d = codeInUriRule.check(requestOf({ uri, ...spec }), ctx);
  if (d === undefined) throw new Error(`no decision for ${uri}`);
  return { status: d.status, reason: d.reason, headers: d.headers ?? [], value: (n: string) => d.headers?.find(([k]) => k === n)?.[1] };
}

describe('code-in-uri rule (docs/ARCHITECTURE.md, Codes on demand)', () => {
  it.each(FOUR_XX)('answers sip:%i@host with that code and the headers its definition requires (RFC 3261 §21.4)', (code) => {
    const a = answer(`sip:${code}@example.com`);
    expect(a.status).toBe(code);
    expect(a.reason).toBeUndefined(); // the registered phrase, filled by the builder
    expect(a.headers.map(([name]) => name)).toEqual(REQUIRED[code] ?? []);
  });

  for (const [code, header] of [
    [401, 'WWW-Authenticate'],
    [407, 'Proxy-Authenticate'],
  ] as const) {
    it(`challenges with a real ${header} digest for SHA-256 then MD5, realm from the Request-URI host (§22.1, RFC 8760 §2.4)`, () => {
      const values = answer(`sip:${code}@example.com`).headers.filter(([n]) => n === header).map(([, v]) => v);
      const params = values.map(digestParams);
      expect(params.map((p) => p.algorithm)).toEqual(['SHA-256', 'MD5']);
      for (const p of params) {
        expect(p.realm).toBe('example.com');
        expect(p.qop).toBe('auth');
        expect(p.opaque).toBe('sip4xx');
        expect(nonces.check(p.nonce ?? '', 60_000)).toBe('valid');
      }
    });
  }

  it('takes the digest realm from auth.realm when set (§22.1)', () => {
    const c = ruleContext({ config: { auth: { realm: 'tests.example' } }, challenge: (realm) => digestChallenges(realm, 'n', 'o') });
    const d = codeInUriRule.check(requestOf({ uri: 'sip:401@[2001:db8::1]' }), c);
    expect(digestParams(d?.headers?.[0]?.[1] ?? '').realm).toBe('tests.example');
  });

  it('strips the brackets of an IPv6 Request-URI host in the realm (§22.1)', () => {
    expect(digestParams(answer('sip:401@[2001:db8::1]').headers[0]?.[1] ?? '').realm).toBe('2001:db8::1');
  });

  it.each([
    [405, 'Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, MESSAGE, INFO, UPDATE, REFER, PRACK, PUBLISH'],
    [413, 'Retry-After', '60'],
    [415, 'Accept', 'application/sdp, text/plain'],
    [420, 'Unsupported', 'x-sip4xx-demo'],
    [421, 'Require', '100rel'],
    [422, 'Min-SE', '90'],
    [423, 'Min-Expires', '60'],
    [480, 'Retry-After', '60'],
    [486, 'Retry-After', '60'],
    [488, 'Warning', '305 192.0.2.10:5060 "Incompatible media format"'],
    [489, 'Allow-Events', 'presence, message-summary, dialog'],
  ] as const)('gives %i its %s: %s (RFC 3261 §21.4)', (code, header, value) => {
    expect(answer(`sip:${code}@example.com`).value(header)).toBe(value);
  });

  it('gives 485 a Contact for each configured alternative at the address that reached us (§21.4.23)', () => {
    const contacts = answer('sip:485@example.com').headers.map(([, v]) => v);
    expect(contacts).toEqual(['<sip:485-1@192.0.2.10:5060>', '<sip:485-2@192.0.2.10:5060>']);
  });

  it('lists the Require tags of the request in the Unsupported of a 420 asked for by code (§8.2.2.3)', () => {
    expect(answer('sip:420@example.com', { headers: { Require: 'foo', 'Proxy-Require': 'bar' } }).value('Unsupported')).toBe('foo, bar');
  });

  it('never lists a tag the server supports in the Unsupported of a 420 asked for by code (§20.40)', () => {
    // Require: timer passes the require rule (timer is supported) and reaches code-in-uri.
    expect(answer('sip:420@example.com', { headers: { Require: 'timer' } }).value('Unsupported')).toBe('x-sip4xx-demo');
  });

  it.each([
    ['sip:%34%38%36@example.com', 486],
    ['sip:4%38%36@example.com', 486],
    ['sips:403@example.com', 403],
    ['sip:404@example.com;transport=tcp', 404],
  ])('compares the user part unescaped: %s answers %i (§19.1.4)', (uri, code) => {
    expect(answer(uri).status).toBe(code);
  });

  it.each(['sip:bob@example.com', 'sip:200@example.com', 'sip:500@example.com', 'sip:4860@example.com', 'sip:48@example.com', 'sip:4a6@example.com', 'sip:example.com'])(
    'lets %s through: its user is not a 4xx code',
    (uri) => {
      expect(codeInUriRule.check(requestOf({ uri }), ctx)).toBeUndefined();
    },
  );

  it('answers tel:486 like sip:486@host, so a phone that dials only digits reaches every code (docs/ARCHITECTURE.md, Codes on demand)', () => {
    expect(answer('tel:486').status).toBe(486);
  });

  it('lists each unknown tag once in the Unsupported of a 420 asked for by code (§8.2.2.3)', () => {
    expect(answer('sip:420@example.com', { headers: { Require: 'foo, timer', 'Proxy-Require': 'foo' } }).value('Unsupported')).toBe('foo');
  });

  it.each(['ACK', 'CANCEL'])('never answers a %s by code (§17, §9.2)', (method) => {
    expect(codeInUriRule.check(requestOf({ method, uri: 'sip:486@example.com' }), ctx)).toBeUndefined();
  });

  it('reads a code only from exactly three digits', () => {
    expect([codeOf('486'), codeOf('%34%38%36'), codeOf('399'), codeOf('500'), codeOf('48 '), codeOf(undefined)]).toEqual([486, 486, undefined, undefined, undefined, undefined]);
  });
});
