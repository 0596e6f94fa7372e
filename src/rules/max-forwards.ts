import type { Rule } from './rule.js';
import { reject } from './rule.js';

/**
 * §16.3 step 3: "If the request contains a Max-Forwards header field with a field value of zero
 * (0), the element MUST NOT forward the request. If the request was for OPTIONS, the element MAY
 * act as the final recipient and respond per Section 11. Otherwise, the element MUST return a 483
 * (Too many hops) response." sip4xx answers as the element in front of the target, so a request
 * that arrives with no hops left is refused; OPTIONS follows `sip.optionsMaxForwardsZero`.
 */
export const maxForwardsRule: Rule = {
  name: 'max-forwards',
  section: 'RFC 3261 §16.3',
  check(req, ctx) {
    if (req.maxForwards !== 0) return undefined;
    if (req.method === 'OPTIONS' && ctx.config.sip.optionsMaxForwardsZero === 200) return undefined;
    return reject(483);
  },
};
