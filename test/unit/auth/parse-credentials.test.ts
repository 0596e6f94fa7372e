import { describe, expect, it } from 'vitest';
import { digestCredentials, parseCredentials } from '../../../src/auth/parse-credentials.js';

function params(value: string): Record<string, string> {
  const p = parseCredentials(value);
  if (p.kind !== 'digest') throw new Error(`not digest: ${JSON.stringify(p)}`);
  return Object.fromEntries(p.params);
}

describe('Authorization credentials parser (§25.1, RFC 7616 §3.4)', () => {
  it('reads the §22.2 example, quoted and token values alike', () => {
    expect(
      params(
        'Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
      ),
    ).toEqual({
      username: 'bob',
      realm: 'biloxi.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      uri: 'sip:bob@biloxi.com',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
      response: '6629fae49393a05397450978507c4ef1',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
    });
  });

  it.each([
    ['an escaped quote inside quotes', 'Digest username="a\\"b"', { username: 'a"b' }],
    ['an escaped backslash', 'Digest username="a\\\\b"', { username: 'a\\b' }],
    ['a comma inside quotes', 'Digest realm="a, b", nonce="x"', { realm: 'a, b', nonce: 'x' }],
    ['an "=" inside quotes', 'Digest uri="sip:a@b;x=y"', { uri: 'sip:a@b;x=y' }],
    ['whitespace around "=" and ","', 'Digest  username = "a" ,\tnc=00000001 ', { username: 'a', nc: '00000001' }],
    ['an empty quoted value', 'Digest opaque=""', { opaque: '' }],
    ['upper-case scheme and names', 'DIGEST UserName="a"', { username: 'a' }],
  ])('reads %s', (_what, value, want) => {
    expect(params(value)).toEqual(want);
  });

  it('leaves other schemes alone (they may carry token68, not params)', () => {
    expect(parseCredentials('Bearer abc.def==')).toEqual({ kind: 'other', scheme: 'Bearer' });
  });

  it.each([
    ['an empty value', ''],
    ['a bare scheme', 'Digest'],
    ['no space after the scheme', 'Digest,username="a"'],
    ['an unterminated quote', 'Digest username="abc'],
    ['a dangling backslash', 'Digest username="abc\\'],
    ['a missing "="', 'Digest username "a"'],
    ['a missing value', 'Digest username=, realm="r"'],
    ['a trailing comma', 'Digest username="a",'],
    ['an empty list element', 'Digest username="a",,realm="r"'],
    ['junk after a quoted value', 'Digest username="a"b'],
    ['two values without a comma', 'Digest username="a" realm="r"'],
    ['a repeated parameter', 'Digest realm="a", realm="b"'],
    ['a control character in quotes', 'Digest username="a\u0001"'],
    ['garbage', '"Digest" ===,,,'],
  ])('refuses %s as malformed', (_what, value) => {
    expect(parseCredentials(value).kind).toBe('malformed');
  });

  it('scans a long hostile value in linear time', () => {
    const evil = `Digest ${'a="\\"'.repeat(50_000)}`;
    const t = performance.now();
    expect(parseCredentials(evil).kind).toBe('malformed');
    expect(performance.now() - t).toBeLessThan(500);
  });
});

describe('digest-response fields (RFC 7616 §3.4)', () => {
  it('names every missing required field', () => {
    const p = parseCredentials('Digest username="a", nonce="n"');
    if (p.kind !== 'digest') throw new Error('not digest');
    expect(digestCredentials(p.params)).toEqual({ missing: ['realm', 'uri', 'response'] });
  });

  it('leaves optional fields undefined', () => {
    const p = parseCredentials('Digest username="a", realm="r", nonce="n", uri="sip:r", response="00"');
    if (p.kind !== 'digest') throw new Error('not digest');
    expect(digestCredentials(p.params)).toMatchObject({ username: 'a', algorithm: undefined, qop: undefined, nc: undefined, cnonce: undefined, opaque: undefined });
  });
});
