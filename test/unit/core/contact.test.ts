import { describe, expect, it } from 'vitest';
import { contactFor, contactFromTemplate, reachedAt } from '../../../src/core/contact.js';
import type { Flow } from '../../../src/transport/flow.js';
import { testConfig } from '../../helpers/config.js';
import { fakeFlow, type FakeFlowOptions } from '../../helpers/fake-flow.js';
import { requestOf } from '../../helpers/rule-context.js';

const config = testConfig();
const behindNat = testConfig({ server: { advertise: 'sip.example.com:15060' } });
const v6Advertised = testConfig({ server: { advertise: '[2001:db8::5]' } });

const udp = (o: FakeFlowOptions = {}): Flow => fakeFlow({ transport: 'udp', local: { address: '192.0.2.10', port: 5060 }, ...o });
const tcp = (o: FakeFlowOptions = {}): Flow => fakeFlow({ transport: 'tcp', local: { address: '192.0.2.10', port: 5060 }, ...o });

describe('the dialog Contact (RFC 3261 §12.1.1)', () => {
  it.each([
    ['UDP: the local address, not the Request-URI host', 'sip:answer@proxy.example.com', udp(), config, '<sip:answer@192.0.2.10:5060>'],
    ['TCP: ;transport=tcp (RFC 3263 §4.1)', 'sip:answer@proxy.example.com:5080', tcp(), config, '<sip:answer@192.0.2.10:5060;transport=tcp>'],
    ['sips: keeps its scheme (§26.2.2)', 'sips:answer@proxy.example.com', tcp(), config, '<sips:answer@192.0.2.10:5060;transport=tcp>'],
    ['a URI without user part', 'sip:proxy.example.com', udp(), config, '<sip:192.0.2.10:5060>'],
    ['IPv6: the address in brackets', 'sip:answer@[2001:db8::1]', udp({ local: { address: '2001:db8::10', port: 5062 } }), config, '<sip:answer@[2001:db8::10]:5062>'],
    ['advertised host:port over UDP', 'sip:answer@192.0.2.10', udp(), behindNat, '<sip:answer@sip.example.com:15060>'],
    ['advertised host:port over TCP', 'sip:answer@192.0.2.10', tcp(), behindNat, '<sip:answer@sip.example.com:15060;transport=tcp>'],
    ['advertised IPv6 host without port: the port we listen on', 'sip:answer@x', tcp(), v6Advertised, '<sip:answer@[2001:db8::5]:5060;transport=tcp>'],
    ['UDP on a wildcard bind, loopback peer: the loopback address', 'sip:answer@proxy.example.com', udp({ local: { address: '0.0.0.0', port: 5060 } }), config, '<sip:answer@127.0.0.1:5060>'],
    ['UDP on a dual-stack wildcard bind, IPv6 loopback peer', 'sip:answer@proxy.example.com', udp({ local: { address: '::', port: 5060 }, remote: { address: '::1' } }), config, '<sip:answer@[::1]:5060>'],
  ])('%s', (_what, uri, flow, cfg, want) => {
    expect(contactFor(requestOf({ uri }), flow, cfg)).toBe(want);
  });

  it('reads server.advertise as host[:port]', () => {
    expect(reachedAt(udp(), 'sip.example.com:15060')).toEqual({ host: 'sip.example.com', port: 15060 });
    expect(reachedAt(udp(), '[2001:db8::5]')).toEqual({ host: '[2001:db8::5]', port: 5060 });
    expect(reachedAt(udp(), '')).toEqual({ host: '192.0.2.10', port: 5060 });
  });

  it('refuses an advertise that is no host[:port] at start (config validation)', () => {
    expect(() => testConfig({ server: { advertise: 'not a host' } })).toThrow(/server\.advertise/);
  });
});

describe('Contact templates ({host}, {user}) of 3xx and 485 answers (§21.3.3, §21.4.23)', () => {
  const site = (flow: Flow, cfg = config) => ({ flow, config: cfg, identities: new Set(['192.0.2.10', 'sip4xx.example.com', '[2001:db8::10]']) });
  const render = (t: string, flow: Flow, uri = 'sip:moved@proxy.example.com', cfg = config) => contactFromTemplate(t, requestOf({ uri }), site(flow, cfg));

  it.each([
    ['{host} over UDP', 'sip:answer@{host}', udp(), '<sip:answer@192.0.2.10:5060>'],
    ['{host} over TCP', 'sip:answer@{host}', tcp(), '<sip:answer@192.0.2.10:5060;transport=tcp>'],
    ['{host} over TCP, before URI headers', 'sip:answer@{host};lr?Subject=x', tcp(), '<sip:answer@192.0.2.10:5060;lr;transport=tcp?Subject=x>'],
    ['{host} with its own transport parameter', 'sip:answer@{host};transport=udp', tcp(), '<sip:answer@192.0.2.10:5060;transport=udp>'],
    ['{user}-n candidates', 'sip:{user}-1@{host}', tcp(), '<sip:moved-1@192.0.2.10:5060;transport=tcp>'],
    ['another server over TCP: untouched', 'sip:{user}@backup.example.com', tcp(), '<sip:moved@backup.example.com>'],
    ['our identity without port over TCP', 'sip:answer@sip4xx.example.com', tcp(), '<sip:answer@sip4xx.example.com;transport=tcp>'],
    ['our identity with another port: another server', 'sip:answer@192.0.2.10:5070', tcp(), '<sip:answer@192.0.2.10:5070>'],
    ['our IPv6 identity', 'sip:answer@[2001:DB8::10]:5060', tcp(), '<sip:answer@[2001:DB8::10]:5060;transport=tcp>'],
    ['{host} on IPv6 over TCP', 'sip:answer@{host}', tcp({ local: { address: '2001:db8::10', port: 5060 } }), '<sip:answer@[2001:db8::10]:5060;transport=tcp>'],
    ['a tel: URI', 'tel:+15551234', tcp(), '<tel:+15551234>'],
  ])('renders %s', (_what, template, flow, want) => {
    expect(render(template, flow)).toBe(want);
  });

  it('names the advertised address for {host}, and takes it as ours', () => {
    expect(render('sip:answer@{host}', tcp(), undefined, behindNat)).toBe('<sip:answer@sip.example.com:15060;transport=tcp>');
    expect(render('sip:answer@SIP.example.com:15060', tcp(), undefined, behindNat)).toBe('<sip:answer@SIP.example.com:15060;transport=tcp>');
  });

  it('keeps the user part escaped as the Request-URI has it (§19.1.2)', () => {
    expect(render('sip:{user}@backup.example.com', udp(), 'sip:a%20b@proxy.example.com')).toBe('<sip:a%20b@backup.example.com>');
  });
});
