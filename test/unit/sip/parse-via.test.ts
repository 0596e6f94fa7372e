import { describe, expect, it } from 'vitest';
import { parseVia, parseViaList } from '../../../src/sip/parse-via.js';

describe('parseVia: valid via-parms', () => {
  const valid: ReadonlyArray<readonly [title: string, raw: string, fields: Record<string, unknown>]> = [
    ['a plain UDP Via (§20.42)', 'SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds', { protocol: 'SIP/2.0', transport: 'UDP', host: 'pc33.atlanta.com', port: undefined, branch: 'z9hG4bK776asdhds' }],
    ['a port and a received address (§18.2.1)', 'SIP/2.0/TCP client.example.com:5060;branch=z9hG4bK74b;received=192.0.2.1', { port: 5060, received: '192.0.2.1' }],
    ['a transport in lower case, upper-cased (§25.1 transport is case-insensitive)', 'SIP/2.0/tls h;branch=z9hG4bK1', { transport: 'TLS' }],
    ['a bare rport asking to be filled (RFC 3581 §4)', 'SIP/2.0/UDP h;rport;branch=z9hG4bK1', { rport: true }],
    ['a filled rport (RFC 3581 §4)', 'SIP/2.0/UDP h;rport=5061', { rport: 5061 }],
    ['whitespace around SLASH, COLON and SEMI (§25.1 SWS)', 'SIP / 2.0 / UDP  h.example.com : 5070 ; branch = z9hG4bK9', { host: 'h.example.com', port: 5070, branch: 'z9hG4bK9' }],
    ['an IPv6 sent-by and received (§25.1, RFC 5954)', 'SIP/2.0/UDP [2001:db8::9]:5060;received=[2001:db8::10]', { host: '[2001:db8::9]', received: '[2001:db8::10]' }],
    ['a bare IPv6 received (§25.1 via-received = IPv4address / IPv6address)', 'SIP/2.0/UDP h;received=2001:db8::10', { received: '2001:db8::10' }],
    ['maddr and ttl (§20.42)', 'SIP/2.0/UDP h;maddr=239.255.255.1;ttl=16', { maddr: '239.255.255.1' }],
    ['an unknown transport and extension parameter (§25.1 other-transport, via-extension)', 'SIP/2.0/UNKNOWN h;x-flag;x-val="quoted, ok"', { transport: 'UNKNOWN', params: [{ name: 'x-flag', value: undefined }, { name: 'x-val', value: '"quoted, ok"' }] }],
    ['a branch of token characters only (§25.1 via-branch = token)', "SIP/2.0/UDP h;branch=z9hG4bK-.!%66*_+`'~", { branch: "z9hG4bK-.!%66*_+`'~" }],
    ['parameter names in any case, lower-cased (§7.3.1)', 'SIP/2.0/UDP h;BRANCH=z9hG4bKX', { branch: 'z9hG4bKX' }],
  ];
  it.each(valid)('accepts %s', (_t, raw, fields) => {
    expect(parseVia(raw)).toMatchObject({ raw: raw.trim(), ...fields });
  });

  it('separates via-parms on one line, with LWS around the commas (§7.3.1)', () => {
    const list = parseViaList('SIP/2.0/UDP a;branch=z9hG4bK1 ,SIP/2.0/TCP b:5070 ,  SIP/2.0/TLS [::1]');
    expect(list?.map((v) => [v.host, v.port, v.raw])).toEqual([
      ['a', undefined, 'SIP/2.0/UDP a;branch=z9hG4bK1'],
      ['b', 5070, 'SIP/2.0/TCP b:5070'],
      ['[::1]', undefined, 'SIP/2.0/TLS [::1]'],
    ]);
  });
});

describe('parseVia: malformed via-parms', () => {
  const invalid: ReadonlyArray<readonly [title: string, raw: string]> = [
    ['no sent-by (§20.42)', 'SIP/2.0/UDP'],
    ['no transport (§25.1 sent-protocol)', 'SIP/2.0 host'],
    ['no LWS before sent-by (§25.1)', 'SIP/2.0/UDPhost'],
    ['a bad host (§25.1 host)', 'SIP/2.0/UDP -host-'],
    ['port 70000 (§25.1 port)', 'SIP/2.0/UDP h:70000'],
    ['an empty port (§25.1)', 'SIP/2.0/UDP h:'],
    ['a branch without a value (§25.1 via-branch)', 'SIP/2.0/UDP h;branch'],
    ['a quoted branch (§25.1 via-branch = token)', 'SIP/2.0/UDP h;branch="z9hG4bK1"'],
    ['received that is not an address (§25.1 via-received)', 'SIP/2.0/UDP h;received=host.example.com'],
    ['ttl over 255 (§25.1 ttl = 1*3DIGIT)', 'SIP/2.0/UDP h;ttl=256'],
    ['rport that is no port (RFC 3581)', 'SIP/2.0/UDP h;rport=x'],
    ['maddr without a value (§25.1 via-maddr)', 'SIP/2.0/UDP h;maddr'],
    ['empty parameters (RFC 4475 §3.1.2.1 badinv01)', 'SIP/2.0/UDP 192.0.2.15;;,;,,'],
    ['an unclosed IPv6 reference (§25.1)', 'SIP/2.0/UDP [::1'],
    ['garbage after the parameters (§20.42)', 'SIP/2.0/UDP h;branch=z9hG4bK1 junk'],
    ['a bare IPv6 maddr (§25.1 via-maddr = host, so bracketed)', 'SIP/2.0/UDP h;maddr=ff02::1'],
    ['an extension value with a colon (§25.1 gen-value)', 'SIP/2.0/UDP h;x=a:b'],
  ];
  it.each(invalid)('refuses %s', (_t, raw) => {
    expect(parseVia(raw)).toBeUndefined();
    expect(parseViaList(raw)).toBeUndefined();
  });

  it('refuses a list with an empty element (§7.3.1)', () => {
    expect(parseViaList('SIP/2.0/UDP a,,SIP/2.0/UDP b')).toBeUndefined();
    expect(parseViaList('SIP/2.0/UDP a,')).toBeUndefined();
  });
});
