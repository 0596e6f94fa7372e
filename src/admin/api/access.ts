/**
 * Who may use /api (README, "Control plane"): on a loopback address it is open; bound anywhere
 * else it needs a bearer token (admin.token or SIP4XX_ADMIN_TOKEN, RFC 6750 §2.1), and without
 * one every /api call is refused. A configured token is required on loopback too.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { parseCidr, addressToBigint, inNetwork } from '../../net/cidr.js';

export type AccessMode = 'open' | 'token' | 'refused';

const LOOPBACKS = ['127.0.0.0/8', '::1/128'].map((c) => parseCidr(c)).filter((n) => n !== undefined);

/** Whether a bind address is loopback-only: 127/8, ::1, ::ffff:127/104, or the name localhost. */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 0) return false;
  const a = addressToBigint(bare);
  return a !== undefined && LOOPBACKS.some((n) => inNetwork(a, n));
}

export function accessMode(host: string, token: string): AccessMode {
  if (token !== '') return 'token';
  return isLoopbackHost(host) ? 'open' : 'refused';
}

/** The start-up log line saying which mode /api is in. */
export function describeAccess(mode: AccessMode, host: string): string {
  if (mode === 'open') return `admin API open on loopback ${host}`;
  if (mode === 'token') return 'admin API requires a bearer token (admin.token)';
  return `admin API refused: ${host} is not loopback and no admin.token (SIP4XX_ADMIN_TOKEN) is set`;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison: equal-length SHA-256 digests, whatever the lengths of the tokens. */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected)) && expected !== '';
}

export interface Refusal {
  readonly status: 401 | 403;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** undefined when the request may go on; else the status and plain message to answer. */
export function checkAccess(req: IncomingMessage, mode: AccessMode, token: string, host: string): Refusal | undefined {
  if (mode === 'open') return undefined;
  if (mode === 'refused') return { status: 403, message: `${describeAccess(mode, host)}\n`, headers: {} };
  const auth = req.headers.authorization ?? '';
  const m = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)$/i.exec(auth);
  if (m?.[1] !== undefined && tokenMatches(m[1], token)) return undefined;
  // RFC 6750 §3: a request without (valid) credentials gets 401 and a Bearer challenge.
  const error = auth === '' ? '' : ', error="invalid_token"';
  return { status: 401, message: 'admin API: a valid bearer token is required (Authorization: Bearer <admin.token>)\n', headers: { 'WWW-Authenticate': `Bearer realm="sip4xx"${error}` } };
}
