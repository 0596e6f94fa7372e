/** The names a Via may carry that mean this server (§16.3 loop detection, rules/loop.ts). */
import { describe, expect, it } from 'vitest';
import { localIdentities } from '../../src/server.js';
import { testConfig } from '../helpers/config.js';

describe('localIdentities', () => {
  it('holds the bound address and the aliases, lower-cased', () => {
    const ids = localIdentities(testConfig({ server: { host: '192.0.2.7', aliases: ['SIP.Example.COM'] } }));
    expect([...ids].sort()).toEqual(['192.0.2.7', 'sip.example.com']);
  });

  it('holds the advertised host (our Contacts name it), without its port, IPv6 in brackets', () => {
    expect(localIdentities(testConfig({ server: { host: '192.0.2.7', advertise: 'PBX.example.net:5080' } })).has('pbx.example.net')).toBe(true);
    expect(localIdentities(testConfig({ server: { host: '192.0.2.7', advertise: '[2001:DB8::1]' } })).has('[2001:db8::1]')).toBe(true);
  });
});
