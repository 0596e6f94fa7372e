import { describe, expect, it } from 'vitest';
import { addressToBigint, networkMatcher, parseCidr } from '../../../src/net/cidr.js';

describe('CIDR matching (RFC 4632 §3.1, RFC 4291 §2.3)', () => {
  it.each([
    ['an IPv4 address in its /8', '10.0.0.0/8', '10.200.3.4', true],
    ['an IPv4 address outside its /8', '10.0.0.0/8', '11.0.0.1', false],
    ['an IPv4 address at the top of a /24', '192.0.2.0/24', '192.0.2.255', true],
    ['the next IPv4 address after a /24', '192.0.2.0/24', '192.0.3.0', false],
    ['a bare IPv4 address as a /32', '198.51.100.7', '198.51.100.7', true],
    ['a neighbour of a bare IPv4 address', '198.51.100.7', '198.51.100.8', false],
    ['any IPv4 address in 0.0.0.0/0', '0.0.0.0/0', '203.0.113.9', true],
    ['a host bit set in the network (it is cleared)', '10.1.2.3/8', '10.9.9.9', true],
    ['an IPv6 address in its /32', '2001:db8::/32', '2001:db8:ffff::1', true],
    ['an IPv6 address outside its /32', '2001:db8::/32', '2001:db9::1', false],
    ['the IPv6 loopback as a bare address', '::1', '::1', true],
    ['an IPv6 address against ::1', '::1', '::2', false],
    ['a fully written IPv6 address', '2001:db8:0:0:0:0:0:1/128', '2001:db8::1', true],
    ['an IPv4-mapped IPv6 source in an IPv4 network (RFC 4291 §2.5.5.2)', '10.0.0.0/8', '::ffff:10.1.1.1', true],
    ['an IPv4 source in a ::ffff:0:0/96 network', '::ffff:0:0/96', '192.0.2.1', true],
    ['an IPv4 source against an IPv6 network', '2001:db8::/32', '192.0.2.1', false],
    ['an IPv6 source with a zone index', 'fe80::/10', 'fe80::1%eth0', true],
  ] as const)('matches %s: %s ∋ %s is %s', (_what, cidr, address, want) => {
    expect(networkMatcher([cidr])(address)).toBe(want);
  });

  it('matches any of several networks', () => {
    const m = networkMatcher(['10.0.0.0/8', '2001:db8::/32']);
    expect([m('10.0.0.1'), m('2001:db8::5'), m('127.0.0.1')]).toEqual([true, true, false]);
  });

  it('matches nothing from an empty list', () => {
    expect(networkMatcher([])('10.0.0.1')).toBe(false);
  });

  it.each(['not-an-ip', '', '1.2.3', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/8x', '256.0.0.1'])('refuses the malformed network %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it.each(['garbage', '', '1.2.3.4.5', 'gggg::1'])('never matches the non-address source %j', (address) => {
    expect(addressToBigint(address)).toBeUndefined();
    expect(networkMatcher(['0.0.0.0/0', '::/0'])(address)).toBe(false);
  });

  it('reads the IPv6 forms with an embedded IPv4 tail (RFC 4291 §2.2 form 3)', () => {
    expect(addressToBigint('::ffff:1.2.3.4')).toBe(addressToBigint('1.2.3.4'));
    expect(addressToBigint('1:2:3:4:5:6:1.2.3.4')).toBe(addressToBigint('1:2:3:4:5:6:102:304'));
  });
});
