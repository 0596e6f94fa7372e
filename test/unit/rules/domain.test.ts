import { describe, expect, it } from 'vitest';
import { domainRule } from '../../../src/rules/domain.js';
import type { RequestSpec } from '../../helpers/sip-request.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

const listed = ruleContext({ config: { domains: ['example.com', 'Voip.Example.NET', '2001:db8::1'] }, identities: ['127.0.0.1', '[::1]', 'sip4xx.local'] });
const anyDomain = ruleContext({ identities: ['127.0.0.1'] });

function status(spec: RequestSpec, ctx = listed): number | undefined {
  return domainRule.check(requestOf(spec), ctx)?.status;
}

describe('domain rule (§8.2.2.1)', () => {
  it.each([
    ['a listed domain', 'sip:bob@example.com'],
    ['a listed domain in other case', 'sip:bob@VOIP.example.net'],
    ['a listed domain with a trailing dot', 'sip:bob@example.com.'],
    ['a listed domain with a port', 'sips:bob@example.com:5061'],
    ['a listed IPv6 address in brackets', 'sip:bob@[2001:DB8::1]'],
    ['our own address', 'sip:bob@127.0.0.1:5060'],
    ['our own IPv6 address', 'sip:bob@[::1]'],
    ['our own host name', 'sip:bob@SIP4XX.local'],
    ['a tel: URI, which names no domain (RFC 3966)', 'tel:+15551234567'],
  ])('accepts a request for %s', (_what, uri) => {
    expect(status({ uri })).toBeUndefined();
  });

  it.each([
    ['an unlisted domain', 'sip:bob@example.org'],
    ['a sub-domain of a listed one', 'sip:bob@a.example.com'],
    ['an address that is not ours', 'sip:bob@192.0.2.99'],
  ])('answers 404 to a request for %s (§8.2.2.1)', (_what, uri) => {
    expect(status({ uri })).toBe(404);
  });

  it('serves every domain when domains lists "*"', () => {
    expect(status({ uri: 'sip:bob@anything.invalid' }, anyDomain)).toBeUndefined();
    expect(status({ method: 'REGISTER', uri: 'sip:anything.invalid', to: '<sip:alice@elsewhere.invalid>' }, anyDomain)).toBeUndefined();
  });

  it('answers 404 to a REGISTER whose To names a domain not served, even to a served Request-URI (§10.3 step 5)', () => {
    expect(status({ method: 'REGISTER', uri: 'sip:example.com', to: '<sip:alice@example.org>' })).toBe(404);
    expect(status({ method: 'REGISTER', uri: 'sip:example.com', to: '<sip:alice@example.com>' })).toBeUndefined();
    expect(status({ method: 'REGISTER', uri: 'sip:example.org', to: '<sip:alice@example.com>' })).toBe(404);
  });

  it.each(['ACK', 'CANCEL'])('leaves %s alone: never answered / matched to its transaction (§17.2.1, §9.2)', (method) => {
    expect(status({ method, uri: 'sip:bob@example.org' })).toBeUndefined();
  });
});
