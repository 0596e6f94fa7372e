/**
 * Digest computations (RFC 7616 §3.4.1–3.4.3, RFC 2617 §3.2.2, RFC 8760 §2): pure functions of
 * the credential parameters and the secret, so fixed published vectors test them directly.
 *
 * Strings are hashed as their UTF-8 bytes (RFC 7616 §4: username, realm and password in UTF-8);
 * header values arrive as latin1 text (one char per byte), so the rule turns them back into their
 * bytes with `fromWire` before they reach these functions.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The algorithms sip4xx offers and verifies (config auth.algorithms, users.<name>.algorithms). */
export type DigestAlgorithm = 'MD5' | 'SHA-256';

const NODE_HASH: Readonly<Record<DigestAlgorithm, string>> = { MD5: 'md5', 'SHA-256': 'sha256' };

/** H(data) as lower-case hex (RFC 7616 §3.4.1: KD/H produce the lower-case hex of the digest). */
export function digestHash(alg: DigestAlgorithm, data: string): string {
  return createHash(NODE_HASH[alg]).update(data, 'utf8').digest('hex');
}

export interface DigestInput {
  readonly algorithm: DigestAlgorithm;
  readonly username: string;
  readonly realm: string;
  readonly password: string;
  readonly method: string;
  readonly uri: string;
  readonly nonce: string;
  /**
   * qop=auth with its nonce-count and cnonce (RFC 2617 §3.2.2.1); undefined for the RFC 2069
   * form, which RFC 3261 §22.4 still makes servers accept.
   */
  readonly qop?: { readonly nc: string; readonly cnonce: string } | undefined;
}

/**
 * request-digest. With qop=auth: KD(H(A1), nonce:nc:cnonce:qop:H(A2)); without qop (RFC 2069):
 * KD(H(A1), nonce:H(A2)). A1 = username:realm:password, A2 = method:uri (RFC 7616 §3.4.2, §3.4.3).
 */
export function digestResponse(input: DigestInput): string {
  const h = (s: string) => digestHash(input.algorithm, s);
  const ha1 = h(`${input.username}:${input.realm}:${input.password}`);
  const ha2 = h(`${input.method}:${input.uri}`);
  const middle = input.qop === undefined ? input.nonce : `${input.nonce}:${input.qop.nc}:${input.qop.cnonce}:auth`;
  return h(`${ha1}:${middle}:${ha2}`);
}

/**
 * Compare the client's response with ours in constant time. Hex case is not significant, and the
 * length of a digest is public (it follows from the algorithm), so a wrong length fails at once.
 */
export function responsesMatch(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'latin1');
  const b = Buffer.from(given.toLowerCase(), 'latin1');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Header text (latin1, one char per byte) → the Unicode string its bytes spell in UTF-8. */
export function fromWire(text: string): string {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return Buffer.from(text, 'latin1').toString('utf8');
  }
  return text;
}
