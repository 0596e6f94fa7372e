import fc from 'fast-check';
import { isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isIPv6Address } from '../../../src/sip/ipv6.js';

const check = (s: string): boolean => isIPv6Address(s, 0, s.length);

describe('isIPv6Address (RFC 4291 §2.2, RFC 3986 §3.2.2 IPv6address)', () => {
  it.each([
    '1:2:3:4:5:6:7:8',
    '2001:db8::10',
    '::',
    '::1',
    '1::',
    'fe80::1:2',
    '1:2:3:4:5:6:7::',
    '::2:3:4:5:6:7:8',
    '1:2:3:4:5:6::8',
    'FFFF:abcd:0:0:0:0:0:1',
    '::ffff:192.0.2.1',
    '::192.0.2.1',
    '1:2:3:4:5:6:192.0.2.1',
    '1::5:6:255.255.255.255',
    '0000:0000:0000:0000:0000:0000:0000:0000',
  ])('accepts %s', (s) => expect(check(s)).toBe(true));

  it.each([
    ['an empty string', ''],
    ['a single colon', ':'],
    ['a triple colon', ':::'],
    ['two "::"', '1::2::3'],
    ['a leading single colon', ':1:2:3:4:5:6:7'],
    ['a trailing single colon', '1:2:3:4:5:6:7:'],
    ['seven pieces without "::"', '1:2:3:4:5:6:7'],
    ['nine pieces', '1:2:3:4:5:6:7:8:9'],
    ['eight pieces and "::"', '1:2:3:4::5:6:7:8'],
    ['a five-digit piece', '12345::1'],
    ['a non-hex digit', '1:2:3:4:5:6:7:g'],
    ['an IPv4 tail making nine pieces', '1:2:3:4:5:6:7:1.2.3.4'],
    ['an IPv4 tail after seven pieces and "::"', '1:2:3:4:5::6:1.2.3.4'],
    ['an IPv4 address alone', '192.0.2.1'],
    ['an IPv4 tail with a leading zero (RFC 3986 dec-octet)', '::ffff:192.0.2.01'],
    ['an IPv4 tail over 255', '::ffff:192.0.2.256'],
    ['an IPv4 tail with three octets', '::1.2.3'],
    ['an IPv4 piece before the end', '::1.2.3.4:1'],
    ['a zone index (not in SIP IPv6reference)', 'fe80::1%eth0'],
    ['brackets', '[::1]'],
    ['whitespace', ' ::1'],
  ])('refuses %s', (_t, s) => expect(check(s)).toBe(false));

  it('checks exactly the range it is given', () => {
    expect(isIPv6Address('x[::1]y', 2, 5)).toBe(true);
    expect(isIPv6Address('::1:2', 0, 4)).toBe(false);
  });

  it('agrees with node:net isIPv6 on every string without a zone index', () => {
    const piece = fc.oneof(
      fc.constantFrom('', '0', '1', 'ab', 'fFf', '1234', '12345', 'g', '01', '1.2.3.4', '255.255.255.255', '1.2.3', '192.0.2.01', '256.1.1.1', '0.0.0.0'),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.g'), maxLength: 6 }),
    );
    const loose = fc.array(piece, { minLength: 1, maxLength: 10 }).map((ps) => ps.join(':'));
    // Mostly well-formed: up to nine h16 pieces, perhaps a "::" somewhere, perhaps an IPv4 tail.
    const h16 = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 1, maxLength: 5 });
    const v4 = fc.constantFrom('1.2.3.4', '192.0.2.1', '0.0.0.0', '255.255.255.255', '192.0.2.01', '1.2.3');
    const shaped = fc
      .tuple(fc.array(h16, { maxLength: 9 }), fc.option(fc.nat(9), { nil: undefined }), fc.option(v4, { nil: undefined }))
      .map(([hs, gap, tail]) => {
        let s = gap === undefined ? hs.join(':') : `${hs.slice(0, gap).join(':')}::${hs.slice(gap).join(':')}`;
        if (tail !== undefined) s += s === '' || s.endsWith(':') ? tail : `:${tail}`;
        return s;
      });
    const address = fc.oneof(loose, shaped);
    fc.assert(
      fc.property(address, (s) => {
        expect(check(s)).toBe(isIPv6(s));
      }),
      { numRuns: 3000 },
    );
  });
});
