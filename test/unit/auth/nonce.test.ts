import { describe, expect, it } from 'vitest';
import { digestChallenges, NonceService } from '../../../src/auth/nonce.js';
import { digestParams } from '../../helpers/sip-response.js';

function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, tick: (ms: number) => void (t += ms) };
}

describe('digest nonces (§22.4, RFC 7616 §3.3)', () => {
  it('accepts a nonce it issued while younger than maxAge', () => {
    const c = clock();
    const s = new NonceService(c.now);
    const n = s.issue();
    c.tick(30_000);
    expect(s.check(n, 30_000)).toBe('valid');
  });

  it('calls its own nonce stale once older than maxAge, so the client retries with stale=true (RFC 7616 §3.3)', () => {
    const c = clock();
    const s = new NonceService(c.now);
    const n = s.issue();
    c.tick(30_001);
    expect(s.check(n, 30_000)).toBe('stale');
  });

  it('issues a different nonce every time, even in the same millisecond', () => {
    const s = new NonceService(clock().now);
    expect(new Set(Array.from({ length: 100 }, () => s.issue())).size).toBe(100);
  });

  it('refuses a nonce with a flipped byte as invalid', () => {
    const s = new NonceService(clock().now);
    const raw = Buffer.from(s.issue(), 'base64url');
    for (const at of [0, 10, raw.length - 1]) {
      const forged = Buffer.from(raw);
      forged[at] = (forged[at] ?? 0) ^ 1;
      expect(s.check(forged.toString('base64url'), 60_000)).toBe('invalid');
    }
  });

  it('refuses a nonce issued by another server (another secret) as invalid', () => {
    const c = clock();
    const other = new NonceService(c.now, Buffer.alloc(32, 1));
    expect(new NonceService(c.now, Buffer.alloc(32, 2)).check(other.issue(), 60_000)).toBe('invalid');
  });

  it('verifies with the same secret across instances (a restart with a fixed secret)', () => {
    const c = clock();
    const secret = Buffer.alloc(32, 7);
    expect(new NonceService(c.now, secret).check(new NonceService(c.now, secret).issue(), 60_000)).toBe('valid');
  });

  it.each(['', 'abc', 'not base64 at all!', 'A'.repeat(43), 'A'.repeat(200)])('refuses the malformed nonce %j as invalid', (n) => {
    expect(new NonceService(clock().now).check(n, 60_000)).toBe('invalid');
  });

  it('refuses a nonce from the future as invalid', () => {
    const c = clock();
    const s = new NonceService(c.now);
    c.tick(10_000);
    const n = s.issue();
    c.tick(-10_000);
    expect(s.check(n, 60_000)).toBe('invalid');
  });
});

describe('digest challenges (§22.4, RFC 8760 §2.4)', () => {
  it('offers SHA-256 first, then MD5, each with realm, nonce, opaque and qop="auth"', () => {
    const values = digestChallenges('example.com', 'NONCE', 'OPQ');
    expect(values).toEqual([
      'Digest realm="example.com", nonce="NONCE", opaque="OPQ", algorithm=SHA-256, qop="auth"',
      'Digest realm="example.com", nonce="NONCE", opaque="OPQ", algorithm=MD5, qop="auth"',
    ]);
  });

  it('adds stale=true when asked (RFC 7616 §3.3)', () => {
    expect(digestChallenges('r', 'n', 'o', true).map((v) => digestParams(v).stale)).toEqual(['true', 'true']);
  });

  it('escapes quotes and backslashes in the realm (§25.1 quoted-pair)', () => {
    const [v] = digestChallenges('a"b\\c', 'n', 'o');
    expect(v).toContain('realm="a\\"b\\\\c"');
    expect(digestParams(v ?? '').realm).toBe('a"b\\c');
  });
});
