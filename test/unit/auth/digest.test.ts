import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestHash, digestResponse, fromWire, responsesMatch } from '../../../src/auth/digest.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('digest responses against published vectors', () => {
  it('reproduces the RFC 2617 §3.5 example (MD5, qop=auth): 6629fae4…', () => {
    expect(
      digestResponse({
        algorithm: 'MD5',
        username: 'Mufasa',
        realm: 'testrealm@host.com',
        password: 'Circle Of Life',
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        qop: { nc: '00000001', cnonce: '0a4f113b' },
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  const rfc7616 = {
    username: 'Mufasa',
    realm: 'http-auth@example.org',
    password: 'Circle of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    qop: { nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' },
  };

  it.each([
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const)('reproduces the RFC 7616 §3.9.1 example with %s and qop=auth', (algorithm, published) => {
    expect(digestResponse({ ...rfc7616, algorithm })).toBe(published);
  });

  it('computes a SIP REGISTER digest: A1 = user:realm:password, A2 = REGISTER:Request-URI (§22.4)', () => {
    // bob registering at biloxi.com (the §22.2 example's names), recomputed step by step.
    const ha1 = md5('bob:biloxi.com:zanzibar');
    const ha2 = md5('REGISTER:sip:biloxi.com');
    const want = md5(`${ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:${ha2}`);
    const got = digestResponse({
      algorithm: 'MD5',
      username: 'bob',
      realm: 'biloxi.com',
      password: 'zanzibar',
      method: 'REGISTER',
      uri: 'sip:biloxi.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      qop: { nc: '00000001', cnonce: '0a4f113b' },
    });
    expect(got).toBe(want);
  });

  it('computes the RFC 2069 form without qop: H(H(A1):nonce:H(A2)) (RFC 2617 §3.2.2.1)', () => {
    const ha1 = md5('bob:biloxi.com:zanzibar');
    const ha2 = md5('INVITE:sip:bob@biloxi.com');
    expect(
      digestResponse({ algorithm: 'MD5', username: 'bob', realm: 'biloxi.com', password: 'zanzibar', method: 'INVITE', uri: 'sip:bob@biloxi.com', nonce: 'abc' }),
    ).toBe(md5(`${ha1}:abc:${ha2}`));
  });

  it('hashes text as UTF-8 (RFC 7616 §4)', () => {
    expect(digestHash('SHA-256', 'ü')).toBe(createHash('sha256').update(Buffer.from([0xc3, 0xbc])).digest('hex'));
  });
});

describe('response comparison', () => {
  it('matches equal digests, ignoring the case of the hex', () => {
    expect(responsesMatch('abcdef01', 'ABCDEF01')).toBe(true);
  });

  it.each([
    ['a different digest', 'abcdef02'],
    ['a shorter digest', 'abcdef0'],
    ['a longer digest', 'abcdef011'],
    ['an empty response', ''],
  ])('refuses %s', (_what, given) => {
    expect(responsesMatch('abcdef01', given)).toBe(false);
  });
});

describe('header text to Unicode', () => {
  it('turns the latin1 view of UTF-8 bytes back into the string they spell', () => {
    expect(fromWire(Buffer.from('jürgen', 'utf8').toString('latin1'))).toBe('jürgen');
    expect(fromWire('alice')).toBe('alice');
  });
});
