/**
 * Stateless digest nonces (§22.4, RFC 7616 §3.3): the nonce carries its own issue time and an
 * HMAC over it, so the server verifies nonces it issued without storing them, and can tell an
 * expired one (stale=true) from a forged one.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 16;

export class NonceService {
  private readonly secret: Buffer;

  constructor(
    private readonly now: () => number,
    secret: Buffer = randomBytes(32),
  ) {
    this.secret = secret;
  }

  /** nonce = base64url( issued-ms (8 bytes) | random (8 bytes) | HMAC-SHA256(…)[0..16] ) */
  issue(): string {
    const body = Buffer.alloc(16);
    body.writeBigUInt64BE(BigInt(Math.floor(this.now())), 0);
    randomBytes(8).copy(body, 8);
    return Buffer.concat([body, this.mac(body)]).toString('base64url');
  }

  /** 'valid' | 'stale' (ours, but older than maxAgeMs) | 'invalid' (not ours, or malformed). */
  check(nonce: string, maxAgeMs: number): 'valid' | 'stale' | 'invalid' {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 16 + MAC_BYTES || raw.toString('base64url') !== nonce) return 'invalid';
    const body = raw.subarray(0, 16);
    if (!timingSafeEqual(raw.subarray(16), this.mac(body))) return 'invalid';
    const issued = Number(body.readBigUInt64BE(0));
    const age = this.now() - issued;
    if (age < 0) return 'invalid';
    return age > maxAgeMs ? 'stale' : 'valid';
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, MAC_BYTES);
  }
}

/**
 * Challenge header values for a realm, most preferred first: RFC 8760 §2.4 has a server that
 * supports several algorithms send one challenge per algorithm, in order of preference, so SHA-256
 * clients pick it and MD5-only clients still find theirs (§22.4, RFC 7616 §3.7).
 */
export function digestChallenges(
  realm: string,
  nonce: string,
  opaque: string,
  stale = false,
  algorithms: readonly string[] = ['SHA-256', 'MD5'],
): string[] {
  const q = (s: string) => `"${s.replace(/[\\"]/g, '\\$&')}"`;
  const tail = `, qop="auth"${stale ? ', stale=true' : ''}`;
  return algorithms.map((alg) => `Digest realm=${q(realm)}, nonce=${q(nonce)}, opaque=${q(opaque)}, algorithm=${alg}${tail}`);
}
