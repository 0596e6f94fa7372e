import { describe, expect, it } from 'vitest';
import { uriSchemeRule } from '../../../src/rules/uri-scheme.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

describe('uri-scheme rule (RFC 3261 §8.2.2.1)', () => {
  it.each(['sip:bob@example.com', 'SIP:bob@example.com', 'tel:+15551234567'])('lets %s through (§8.2.2.1)', (uri) => {
    expect(uriSchemeRule.check(requestOf({ uri }), ruleContext())).toBeUndefined();
  });

  it.each(['tls', 'wss'] as const)('lets sips:bob@example.com through over %s (§26.2.2)', (transport) => {
    expect(uriSchemeRule.check(requestOf({ uri: 'sips:bob@example.com' }), ruleContext({ flow: { transport } }))).toBeUndefined();
  });

  it.each(['udp', 'tcp', 'ws'] as const)('answers 416 SIPS Requires TLS to sips:bob@example.com over %s (§26.2.2)', (transport) => {
    expect(uriSchemeRule.check(requestOf({ uri: 'sips:bob@example.com' }), ruleContext({ flow: { transport } }))).toEqual({
      status: 416,
      headers: undefined,
      reason: 'SIPS Requires TLS',
    });
  });

  it.each(['mailto:bob@example.com', 'http://example.com/bob', 'im:bob@example.com', 'urn:service:sos', 'xmpp:bob@example.com'])(
    'answers 416 Unsupported URI Scheme to %s (§8.2.2.1)',
    (uri) => {
      expect(uriSchemeRule.check(requestOf({ uri }), ruleContext())).toEqual({ status: 416, headers: undefined, reason: undefined });
    },
  );

  it('answers 416 to a scheme removed from sip.uriSchemes (§8.2.2.1)', () => {
    const ctx = ruleContext({ config: { sip: { uriSchemes: ['sip', 'sips'] } } });
    expect(uriSchemeRule.check(requestOf({ uri: 'tel:+15551234567' }), ctx)?.status).toBe(416);
  });
});
