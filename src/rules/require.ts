import type { Rule } from './rule.js';
import { reject } from './rule.js';

/**
 * §8.2.2.3: "If a UAS does not understand an option-tag listed in a Require header field, it MUST
 * respond by generating a response with status code 420 (Bad Extension). The UAS MUST add an
 * Unsupported header field, and list in it those options it does not understand amongst those in
 * the Require header field of the request." §16.3 step 5 does the same for Proxy-Require.
 * ACK and CANCEL are exempt: an ACK is never answered, and a CANCEL's Require is not examined
 * (§9.1: CANCEL carries no Require of its own to honour).
 */
export const requireRule: Rule = {
  name: 'require',
  section: 'RFC 3261 §8.2.2.3, §16.3',
  check(req, ctx) {
    if (req.method === 'ACK' || req.method === 'CANCEL') return undefined;
    if (req.require.length === 0 && req.proxyRequire.length === 0) return undefined;
    const supported = ctx.config.sip.supported;
    const unknown: string[] = [];
    for (const tag of [...req.require, ...req.proxyRequire]) {
      if (!supported.includes(tag) && !unknown.includes(tag)) unknown.push(tag);
    }
    return unknown.length === 0 ? undefined : reject(420, [['Unsupported', unknown.join(', ')]]);
  },
};
