import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { interfaceAddressFor, isWildcard, reachedAddress, type InterfaceTable } from '../../../src/net/local-address.js';
import type { Endpoint } from '../../../src/transport/flow.js';

function ni(address: string, cidr: string, internal = false): NetworkInterfaceInfo {
  const family = address.includes(':') ? 'IPv6' : 'IPv4';
  const base = { address, netmask: '', mac: '00:00:00:00:00:00', internal, cidr };
  return family === 'IPv6' ? { ...base, family, scopeid: 0 } : { ...base, family };
}

/** A two-homed host: loopback, a LAN and a second uplink, IPv4 and IPv6. */
const TABLE: InterfaceTable = {
  lo: [ni('127.0.0.1', '127.0.0.1/8', true), ni('::1', '::1/128', true)],
  eth0: [ni('192.0.2.10', '192.0.2.10/24'), ni('2001:db8::10', '2001:db8::10/64')],
  eth1: [ni('198.51.100.5', '198.51.100.5/24')],
};

const peer = (address: string, port = 5070): Endpoint => ({ address, port, family: address.includes(':') ? 'IPv6' : 'IPv4' });

describe('the local address a peer reaches us at (RFC 3261 §12.1.1)', () => {
  it.each([
    ['a peer on the second uplink', '198.51.100.77', '198.51.100.5'],
    ['a peer on the LAN', '192.0.2.200', '192.0.2.10'],
    ['a loopback peer', '127.0.0.1', '127.0.0.1'],
    ['a loopback peer anywhere in 127/8', '127.1.2.3', '127.0.0.1'],
    ['a peer beyond a router: the first non-internal IPv4 address', '203.0.113.9', '192.0.2.10'],
    ['an IPv6 peer on the LAN', '2001:db8::99', '2001:db8::10'],
    ['the IPv6 loopback', '::1', '::1'],
    ['an IPv6 peer beyond a router', '2001:db8:ffff::1', '2001:db8::10'],
  ])('answers %s (%s) with %s', (_what, remote, want) => {
    expect(interfaceAddressFor(peer(remote), TABLE)).toBe(want);
  });

  it('falls back to an internal address of the family on a loopback-only host, and to none without the family', () => {
    const loOnly: InterfaceTable = { lo: [ni('127.0.0.1', '127.0.0.1/8', true)] };
    expect(interfaceAddressFor(peer('203.0.113.9'), loOnly)).toBe('127.0.0.1');
    expect(interfaceAddressFor(peer('2001:db8::1'), loOnly)).toBeUndefined();
  });

  it('keeps a bound local address, and resolves only a wildcard one (RFC 4291 §2.5.2)', () => {
    expect(reachedAddress(peer('192.0.2.1', 5060), peer('198.51.100.77'), TABLE)).toBe('192.0.2.1');
    expect(reachedAddress(peer('0.0.0.0', 5060), peer('198.51.100.77'), TABLE)).toBe('198.51.100.5');
    expect(reachedAddress(peer('::', 5060), peer('192.0.2.200'), TABLE)).toBe('192.0.2.10');
    expect(reachedAddress(peer('::', 5060), peer('2001:db8::99'), TABLE)).toBe('2001:db8::10');
    expect(reachedAddress(peer('::', 5060), peer('2001:db8::99'), {})).toBe('::');
  });

  it.each([
    ['0.0.0.0', true],
    ['::', true],
    ['::ffff:0.0.0.0', true],
    ['127.0.0.1', false],
    ['::1', false],
  ])('takes %s for a wildcard: %s', (address, want) => {
    expect(isWildcard(address)).toBe(want);
  });
});
