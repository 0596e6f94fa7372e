import { describe, expect, it } from 'vitest';
import { loopRule } from '../../../src/rules/loop.js';
import { defaultVia } from '../../helpers/sip-request.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

const ctx = (port = 5060) => ruleContext({ identities: ['127.0.0.1', 'sip4xx.example.com', '[::1]'], flow: { local: { port } } });

describe('loop rule (RFC 3261 §16.3 step 4, §8.2.2.2)', () => {
  it.each([
    ['our address and port in the top Via', ['SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1']],
    ['our address and port in a lower Via', [defaultVia(), 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1']],
    ['our alias with the default port 5060 implied', [defaultVia(), 'SIP/2.0/TCP sip4xx.example.com;branch=z9hG4bK1']],
    ['our alias in another letter case', [defaultVia(), 'SIP/2.0/UDP SIP4XX.Example.COM:5060;branch=z9hG4bK1']],
    ['our IPv6 address', [defaultVia(), 'SIP/2.0/UDP [::1]:5060;branch=z9hG4bK1']],
  ])('answers 482 Loop Detected for %s (§16.3)', (_what, via) => {
    expect(loopRule.check(requestOf({ via }), ctx())).toEqual({ status: 482, headers: undefined, reason: undefined });
  });

  it.each([
    ['our address with another port', ['SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1']],
    ['another host on our port', ['SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1']],
  ])('lets a request through whose Via has %s (§16.3)', (_what, via) => {
    expect(loopRule.check(requestOf({ via }), ctx())).toBeUndefined();
  });

  it('compares the Via port with the port the request arrived on, not 5060 (§16.3)', () => {
    const via = [defaultVia(), 'SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK1'];
    expect(loopRule.check(requestOf({ via }), ctx(5999))?.status).toBe(482);
    expect(loopRule.check(requestOf({ via }), ctx(5060))).toBeUndefined();
  });
});
