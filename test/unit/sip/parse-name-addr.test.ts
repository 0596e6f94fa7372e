import { describe, expect, it } from 'vitest';
import { parseContactList, parseNameAddr } from '../../../src/sip/parse-name-addr.js';

describe('parseNameAddr: valid values', () => {
  const valid: ReadonlyArray<readonly [title: string, raw: string, fields: Record<string, unknown>]> = [
    ['a quoted display name and a tag (§20.20)', '"Bob" <sip:bob@biloxi.com>;tag=a6c85cf', { displayName: '"Bob"', tag: 'a6c85cf', uri: { user: 'bob', host: 'biloxi.com' } }],
    ['a token display name of several words (§25.1 display-name)', 'Anonymous Coward <sip:c@h>', { displayName: 'Anonymous Coward' }],
    ['no space between the display name and < (RFC 4475 §3.1.1.6)', 'caller<sip:caller@example.com>', { displayName: 'caller' }],
    ['quoted-pairs and a comma in the display name (§25.1 quoted-string)', '"A \\"B\\", C" <sip:a@h>', { displayName: '"A \\"B\\", C"' }],
    ['an addr-spec whose parameters belong to the header (§20.10)', 'sip:a@h;tag=1;lr', { uri: { params: [] }, tag: '1', params: [{ name: 'tag', value: '1' }, { name: 'lr', value: undefined }] }],
    ['URI parameters inside <> and header parameters outside (§20.10)', '<sip:a@h;transport=tcp>;expires=60', { uri: { params: [{ name: 'transport', value: 'tcp' }] }, params: [{ name: 'expires', value: '60' }] }],
    ['URI headers inside <> (§19.1.1)', '<sip:a@h?Subject=x>', { uri: { headers: 'Subject=x' } }],
    ['whitespace around ; and = (§25.1 SEMI, EQUAL)', '<sip:a@h> ; tag = x1 ', { tag: 'x1' }],
    ['a tel URI (RFC 3966)', '<tel:+15551234>', { uri: { scheme: 'tel', user: '+15551234' } }],
    ['an absolute URI of another scheme (§20.20)', '<http://www.example.com>;tag=3', { uri: { scheme: 'http' }, tag: '3' }],
    ['an IPv6 host (§25.1)', '<sip:a@[2001:db8::1]:5060>', { uri: { host: '[2001:db8::1]', port: 5060 } }],
    ['a header parameter whose value is an IPv6 reference (§25.1 gen-value = host)', '<sip:a@h>;x=[::1]', { params: [{ name: 'x', value: '[::1]' }] }],
  ];
  it.each(valid)('accepts %s', (_t, raw, fields) => {
    expect(parseNameAddr(raw)).toMatchObject({ raw, ...fields });
  });
});

describe('parseNameAddr: malformed values', () => {
  const invalid: ReadonlyArray<readonly [title: string, raw: string]> = [
    ['an unterminated quoted display name (RFC 4475 §3.1.2.6)', '"Mr. J. User <sip:j.user@example.com>'],
    ['a comma in an unquoted display name (RFC 4475 §3.1.2.15)', 'Bell, Alexander <sip:a.g.bell@example.com>'],
    ['spaces inside <> (RFC 4475 §3.1.2.14)', '< sip:t.watson@example.org >'],
    ['an unclosed < (§25.1 RAQUOT)', '<sip:a@h'],
    ['a "?" in an addr-spec outside <> (§20.10, RFC 4475 §3.1.2.13)', 'sip:user@example.com?Route=%3Csip:sip.example.com%3E'],
    ['a comma in an addr-spec outside <> (§20.10)', 'sip:a@h,b'],
    ['text between the display name quote and < (§25.1 name-addr)', '"Bob" x <sip:b@h>'],
    ['a tag without a value (§25.1 tag-param)', '<sip:a@h>;tag'],
    ['a quoted tag (§25.1 tag-param = token)', '<sip:a@h>;tag="1"'],
    ['an empty header parameter (§25.1 generic-param)', '<sip:a@h>;;'],
    ['garbage after > (§25.1)', '<sip:a@h> junk'],
    ['a malformed URI (§19.1.1)', '<sip:@>'],
    ['a display name alone (§25.1 name-addr)', 'Bob'],
    ['a parameter value with a colon that is no IPv6 reference (§25.1 gen-value)', '<sip:a@h>;x=:aa'],
    ['a parameter value with an unclosed bracket (§25.1 gen-value)', '<sip:a@h>;x=[::1'],
  ];
  it.each(invalid)('refuses %s', (_t, raw) => {
    expect(parseNameAddr(raw)).toBeUndefined();
  });
});

describe('parseContactList', () => {
  it('returns * for the wildcard, with or without whitespace (§10.2.2, §20.10)', () => {
    expect(parseContactList('*')).toBe('*');
    expect(parseContactList(' * ')).toBe('*');
  });

  it('splits a list on commas outside quotes and <> (§7.3.1)', () => {
    const list = parseContactList('"Doe, J" <sip:a,x@h>, sip:b@h;q=0.5 , <sip:c@h>');
    expect(Array.isArray(list) && list.map((c) => [c.displayName, c.uri.user])).toEqual([
      ['"Doe, J"', 'a,x'],
      [undefined, 'b'],
      [undefined, 'c'],
    ]);
  });

  it.each([
    ['a * inside a list (§10.2.2)', '*, <sip:a@h>'],
    ['an empty element (§7.3.1)', '<sip:a@h>,,<sip:b@h>'],
    ['an unclosed quote (§25.1)', '"a <sip:a@h>, <sip:b@h>'],
    ['an unclosed < (§25.1)', '<sip:a@h, <sip:b@h>'],
  ])('refuses %s', (_t, raw) => {
    expect(parseContactList(raw)).toBeUndefined();
  });
});
