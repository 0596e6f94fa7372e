/**
 * A test-side digest client: answers a challenge the way a UAC does (RFC 7616 §3.4), computed here
 * with node:crypto directly so a bug in src/auth cannot hide behind the same bug in the check.
 */
import { createHash } from 'node:crypto';

export interface AnswerOptions {
  readonly username?: string;
  readonly password?: string;
  readonly method: string;
  readonly uri: string;
  /** Default 1; written as 8 hex digits. */
  readonly nc?: number;
  readonly cnonce?: string;
  /** Default: the challenge's. */
  readonly algorithm?: string;
  /** Leave qop, nc and cnonce out: the RFC 2069 form. */
  readonly rfc2069?: boolean;
  /** Replace the computed response. */
  readonly response?: string;
}

/** Challenge parameters → an Authorization value answering them. */
export function answerChallenge(challenge: Record<string, string>, o: AnswerOptions): string {
  const algorithm = o.algorithm ?? challenge.algorithm ?? 'MD5';
  const hashName = algorithm.toUpperCase().startsWith('SHA-256') ? 'sha256' : 'md5';
  const h = (s: string) => createHash(hashName).update(s, 'utf8').digest('hex');
  const username = o.username ?? 'alice';
  const realm = challenge.realm ?? '';
  const nonce = challenge.nonce ?? '';
  const nc = (o.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = o.cnonce ?? 'c0ffee42';
  const ha1 = h(`${username}:${realm}:${o.password ?? 'secret'}`);
  const ha2 = h(`${o.method}:${o.uri}`);
  const response = o.response ?? (o.rfc2069 === true ? h(`${ha1}:${nonce}:${ha2}`) : h(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`));
  const q = (s: string) => `"${s.replace(/[\\"]/g, '\\$&')}"`;
  const parts = [`username=${q(username)}`, `realm=${q(realm)}`, `nonce=${q(nonce)}`, `uri=${q(o.uri)}`, `response=${q(response)}`, `algorithm=${algorithm}`];
  if (challenge.opaque !== undefined) parts.push(`opaque=${q(challenge.opaque)}`);
  if (o.rfc2069 !== true) parts.push('qop=auth', `nc=${nc}`, `cnonce=${q(cnonce)}`);
  return `Digest ${parts.join(', ')}`;
}
