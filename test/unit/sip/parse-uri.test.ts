import { describe, expect, it } from 'vitest';
import { isHostname, isIPv4, parseHostPort, parseUri } from '../../../src/sip/parse-uri.js';

describe('parseUri: valid URIs', () => {
  const valid: ReadonlyArray<readonly [title: string, raw: string, fields: Record<string, unknown>]> = [
    ['a plain SIP URI (§19.1.1)', 'sip:alice@atlanta.com', { scheme: 'sip', user: 'alice', host: 'atlanta.com', port: undefined, params: [] }],
    ['a SIPS URI with port and password (§19.1.1)', 'sips:alice:secretword@atlanta.com:5061', { scheme: 'sips', user: 'alice', password: 'secretword', port: 5061 }],
    ['an empty password (§25.1 password = *(...))', 'sip:alice:@atlanta.com', { user: 'alice', password: '' }],
    ['a host only (§19.1.1)', 'sip:atlanta.com', { user: undefined, host: 'atlanta.com' }],
    ['an IPv4 host (§25.1)', 'sip:192.0.2.4:5060', { host: '192.0.2.4', port: 5060 }],
    ['an IPv6 reference (§25.1)', 'sip:[2001:db8::10]:5070', { host: '[2001:db8::10]', port: 5070 }],
    ['an IPv4-mapped IPv6 reference (§25.1 IPv6address)', 'sip:[::ffff:192.0.2.1]', { host: '[::ffff:192.0.2.1]' }],
    ['a trailing dot in the hostname (§25.1 hostname)', 'sip:a@example.com.', { host: 'example.com.' }],
    ['parameters with and without values, names lower-cased (§19.1.4)', 'sip:a@b;Transport=TCP;lr;maddr=239.255.255.1', { params: [{ name: 'transport', value: 'TCP' }, { name: 'lr', value: undefined }, { name: 'maddr', value: '239.255.255.1' }] }],
    ['headers after "?" (§19.1.1)', 'sip:a@b?subject=project%20x&priority=urgent', { headers: 'subject=project%20x&priority=urgent' }],
    ['an empty header value (§25.1 hvalue = *(...))', 'sip:a@b?subject=', { headers: 'subject=' }],
    ['a user part full of user-unreserved characters (§25.1)', "sip:+1-(212)_555.0123!~*'&=+$,;?/@h", { user: "+1-(212)_555.0123!~*'&=+$,;?/" }],
    ['escaped characters in the user part (§19.1.2)', 'sip:%61lice%20x@h', { user: '%61lice%20x' }],
    ['a scheme in upper case (§19.1.4: case-insensitive)', 'SIP:a@H', { scheme: 'sip', host: 'H' }],
    ['a tel URI with parameters (RFC 3966)', 'tel:+358-555-1234567;postd=pp22', { scheme: 'tel', user: '+358-555-1234567', params: [{ name: 'postd', value: 'pp22' }] }],
    ['a local tel number with phone-context (RFC 3966 §5.1.5)', 'tel:7042;phone-context=example.com', { user: '7042' }],
    ['an unknown opaque scheme (§19.1.1 absoluteURI)', 'urn:service:sos', { scheme: 'urn', host: '' }],
    ['an unknown hierarchical scheme (RFC 2396)', 'http://www.example.com/a?b', { scheme: 'http' }],
  ];
  it.each(valid)('accepts %s', (_t, raw, fields) => {
    expect(parseUri(raw)).toMatchObject({ raw, ...fields });
  });
});

describe('parseUri: malformed URIs', () => {
  const invalid: ReadonlyArray<readonly [title: string, raw: string]> = [
    ['no scheme (§19.1.1)', 'alice@atlanta.com'],
    ['a scheme starting with a digit (§25.1 scheme)', '1sip:a@b'],
    ['an empty host (§25.1 hostport)', 'sip:alice@'],
    ['nothing after sip: (§25.1)', 'sip:'],
    ['an empty user before @ (§25.1 user = 1*(...))', 'sip:@host'],
    ['a space in the user part (§25.1)', 'sip:a b@host'],
    ['a bare % in the user part (§25.1 escaped)', 'sip:100%@host'],
    ['two @ (§25.1)', 'sip:a@b@c'],
    ['a label starting with "-" (§25.1 domainlabel)', 'sip:a@-bad.example.com'],
    ['a top label starting with a digit that is no IPv4 (§25.1 toplabel)', 'sip:a@example.9com'],
    ['an IPv4 octet over 255 that is no hostname either (§25.1)', 'sip:a@192.0.2.256'],
    ['an empty label (§25.1 hostname)', 'sip:a@example..com'],
    ['an IPv6 reference with a zone index (§25.1 IPv6reference)', 'sip:[fe80::1%25eth0]'],
    ['an unclosed IPv6 reference (§25.1)', 'sip:[2001:db8::1'],
    ['a bare IPv6 address (§25.1: must be bracketed)', 'sip:2001:db8::1'],
    ['port 65536 (§25.1 port)', 'sip:a@b:65536'],
    ['a non-numeric port (§25.1 port)', 'sip:a@b:http'],
    ['an empty port (§25.1 port = 1*DIGIT)', 'sip:a@b:'],
    ['an empty parameter name (§25.1 pname)', 'sip:a@b;=x'],
    ['an empty parameter value (§25.1 pvalue = 1*paramchar)', 'sip:a@b;transport='],
    ['a header without "=" (§25.1 header)', 'sip:a@b?subject'],
    ['a tel URI with no number (RFC 3966)', 'tel:;phone-context=x'],
    ['a space in an opaque URI (§19.1.1)', 'urn:a b'],
    ['an empty opaque part (RFC 2396)', 'urn:'],
  ];
  it.each(invalid)('refuses %s', (_t, raw) => {
    expect(parseUri(raw)).toBeUndefined();
  });
});

describe('host helpers', () => {
  it.each([
    ['0.0.0.0', true],
    ['255.255.255.255', true],
    ['1.2.3', false],
    ['1.2.3.4.5', false],
    ['01.2.3.4', true],
    ['1..3.4', false],
  ] as const)('isIPv4(%s) is %s (§25.1 IPv4address)', (s, ok) => expect(isIPv4(s, 0, s.length)).toBe(ok));

  it.each([
    ['example.com', true],
    ['a', true],
    ['a-b.c-d', true],
    ['9a.com', true],
    ['com-', false],
    ['.com', false],
    ['a.1', false],
  ] as const)('isHostname(%s) is %s (§25.1 hostname)', (s, ok) => expect(isHostname(s, 0, s.length)).toBe(ok));

  it('splits hostport into host and port (§25.1 hostport)', () => {
    expect(parseHostPort('[::1]:5060', 0, 10)).toEqual({ host: '[::1]', port: 5060 });
    expect(parseHostPort('h.example.com', 0, 13)).toEqual({ host: 'h.example.com', port: undefined });
    expect(parseHostPort('[::1]x', 0, 6)).toBeUndefined();
  });
});
