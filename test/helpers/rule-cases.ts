/**
 * One table of "this request gets this answer" cases, played over every transport by the
 * integration suites (test/integration/server-*.test.ts), so UDP and TCP are held to the same bytes.
 */
import { expect } from 'vitest';
import { REASON_PHRASES } from '../../src/sip/status.js';
import { buildRequest, defaultVia, type RequestSpec } from './sip-request.js';
import { digestParams, tagOf, type ParsedResponse } from './sip-response.js';

/** Methods the integration servers allow: the defaults without PUBLISH, so 405 can be reached. */
export const INTEGRATION_ALLOW = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'SUBSCRIBE', 'NOTIFY', 'MESSAGE', 'INFO', 'UPDATE', 'REFER', 'PRACK'];
export const INTEGRATION_CONFIG = { sip: { allow: INTEGRATION_ALLOW } };

export interface CaseEnv {
  readonly transport: 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS';
  /** The server's address as it appears in a URI host (IPv6 in brackets). */
  readonly uriHost: string;
  readonly serverPort: number;
  /** A top Via for this transport; `rport` so UDP answers come back to the client's port. */
  via(): string;
}

export interface RuleCase {
  readonly name: string;
  request(env: CaseEnv): Buffer;
  check(res: ParsedResponse, env: CaseEnv): void;
  /** The request carried a To tag, so the answer must keep it rather than add one. */
  readonly toTag?: string;
}

function req(env: CaseEnv, spec: RequestSpec): Buffer {
  return buildRequest({ via: env.via(), ...spec });
}

function status(code: number, reason = REASON_PHRASES[code] ?? '') {
  return (res: ParsedResponse): void => {
    expect([res.status, res.reason]).toEqual([code, reason]);
  };
}

/** Header names each 4xx must carry when asked for by code (RFC 3261 §21.4); others carry none. */
export const REQUIRED_BY_CODE: Readonly<Record<number, readonly string[]>> = {
  401: ['WWW-Authenticate'],
  405: ['Allow'],
  407: ['Proxy-Authenticate'],
  413: ['Retry-After'],
  415: ['Accept'],
  420: ['Unsupported'],
  421: ['Require'],
  422: ['Min-SE'],
  423: ['Min-Expires'],
  480: ['Retry-After'],
  485: ['Contact'],
  486: ['Retry-After'],
  488: ['Warning'],
  489: ['Allow-Events'],
};

/** Headers the builder always writes; anything else in an answer came from the rule. */
const BASE_HEADERS = new Set(['via', 'from', 'to', 'call-id', 'cseq', 'server', 'content-length']);

export const RULE_CASES: readonly RuleCase[] = [
  {
    name: 'INVITE with Max-Forwards 0 → 483 (§16.3)',
    request: (env) => req(env, { uri: `sip:bob@${env.uriHost}`, maxForwards: 0 }),
    check: status(483),
  },
  {
    name: 'OPTIONS with Max-Forwards 0 → 200 as the final recipient (§16.3, §11)',
    request: (env) => req(env, { method: 'OPTIONS', uri: `sip:${env.uriHost}`, maxForwards: 0 }),
    check: status(200),
  },
  {
    name: 'mailto: Request-URI → 416 (§8.2.2.1)',
    request: (env) => req(env, { uri: 'mailto:bob@example.com' }),
    check: status(416),
  },
  {
    name: 'tel: Request-URI passes the scheme check → 404 (§8.2.2.1)',
    request: (env) => req(env, { method: 'MESSAGE', uri: 'tel:+15551234567' }),
    check: status(404),
  },
  {
    name: 'sips: Request-URI → 416 SIPS Requires TLS over an insecure transport, else 404 (§26.2.2, §8.2.2.1)',
    request: (env) => req(env, { uri: `sips:nobody@${env.uriHost}` }),
    check: (res, env) => (env.transport === 'TLS' || env.transport === 'WSS' ? status(404)(res) : status(416, 'SIPS Requires TLS')(res)),
  },
  {
    name: 'our own sent-by in a Via → 482 (§16.3)',
    request: (env) => buildRequest({ via: [env.via(), `SIP/2.0/${env.transport} ${env.uriHost}:${env.serverPort};branch=z9hG4bKloop`] }),
    check: status(482),
  },
  {
    name: 'unknown Require and Proxy-Require tags → 420 with each in Unsupported (§8.2.2.3)',
    request: (env) => req(env, { headers: [['Require', 'foo, timer'], ['Proxy-Require', 'bar'], ['Require', 'baz']] }),
    check: (res) => {
      status(420)(res);
      expect(res.getAll('Unsupported')).toEqual(['foo, baz, bar']);
    },
  },
  {
    name: 'To tag matching no dialog → 481 (§12.2.2)',
    request: (env) => req(env, { method: 'BYE', to: '<sip:bob@127.0.0.1>;tag=nodialog42' }),
    toTag: 'nodialog42',
    check: status(481),
  },
  {
    name: 'CANCEL matching no transaction → 481 (§9.2)',
    request: (env) => req(env, { method: 'CANCEL', uri: `sip:bob@${env.uriHost}` }),
    check: status(481),
  },
  {
    name: 'known method not allowed → 405 with Allow (§21.4.6)',
    request: (env) => req(env, { method: 'PUBLISH', uri: `sip:bob@${env.uriHost}`, headers: { Event: 'presence', Expires: '60' } }),
    check: (res) => {
      status(405)(res);
      expect(res.getAll('Allow')).toEqual([INTEGRATION_ALLOW.join(', ')]);
    },
  },
  {
    name: 'unknown method → 501 with Allow (§8.2.1)',
    request: (env) => req(env, { method: 'FOOBAR', uri: `sip:bob@${env.uriHost}` }),
    check: (res) => {
      status(501)(res);
      expect(res.get('Allow')).toBe(INTEGRATION_ALLOW.join(', '));
    },
  },
  {
    name: 'OPTIONS to the server → 200 with Allow, Accept, Supported (§11.2)',
    request: (env) => req(env, { method: 'OPTIONS', uri: `sip:${env.uriHost}:${env.serverPort}` }),
    check: (res) => {
      status(200)(res);
      expect(res.get('Allow')).toBe(INTEGRATION_ALLOW.join(', '));
      expect(res.get('Accept')).toBe('application/sdp, text/plain');
      expect(res.get('Supported')).toBe('path, timer');
    },
  },
  {
    name: 'escaped user sip:%34%38%36@host → 486 with Retry-After (§19.1.4)',
    request: (env) => req(env, { uri: `sip:%34%38%36@${env.uriHost}` }),
    check: (res) => {
      status(486)(res);
      expect(res.get('Retry-After')).toBe('60');
    },
  },
  {
    name: 'a user no rule knows → 404 by default',
    request: (env) => req(env, { uri: `sip:nobody@${env.uriHost}` }),
    check: status(404),
  },
  {
    name: 'sip:401@host → 401 with the default auth.algorithms, one MD5 digest challenge (§22.1, RFC 8760 §2.4)',
    request: (env) => req(env, { method: 'REGISTER', uri: `sip:401@${env.uriHost}` }),
    check: (res, env) => {
      status(401)(res);
      const ch = res.getAll('WWW-Authenticate').map(digestParams);
      expect(ch.map((c) => c.algorithm)).toEqual(['MD5']);
      for (const c of ch) {
        expect(c.realm).toBe(env.uriHost.replace(/^\[|\]$/g, ''));
        expect(c.qop).toBe('auth');
        expect(c.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
      }
    },
  },
  ...Object.keys(REASON_PHRASES)
    .map(Number)
    .filter((code) => code >= 400 && code <= 499)
    .map(
      (code): RuleCase => ({
        name: `sip:${code}@host → ${code} with ${(REQUIRED_BY_CODE[code] ?? ['no extra header']).join(', ')} (RFC 3261 §21.4)`,
        request: (env) => req(env, { uri: `sip:${code}@${env.uriHost}` }),
        check: (res) => {
          status(code)(res);
          const extra = [...new Set(res.headers.map((h) => h.name).filter((n) => !BASE_HEADERS.has(n.toLowerCase())))];
          const want = REQUIRED_BY_CODE[code] ?? [];
          if (code === 415) expect(extra).toEqual(['Accept', 'Accept-Encoding', 'Accept-Language']);
          else expect(extra).toEqual(want);
        },
      }),
    ),
];

/** The To tag check every answer must pass (§8.2.6.2). */
export function expectToTag(res: ParsedResponse, c: RuleCase): void {
  if (c.toTag !== undefined) expect(tagOf(res.get('To'))).toBe(c.toTag);
  else expect(tagOf(res.get('To'))).toMatch(/^[0-9a-f]{16}$/);
}

export { defaultVia };
