import type { Rule } from './rule.js';
import { reject } from './rule.js';

/**
 * §8.2.2.2 Merged Requests: "If the request has no tag in the To header field, the UAS core MUST
 * check the request against ongoing transactions. If the From tag, Call-ID, and CSeq exactly match
 * those associated with an ongoing transaction, but the request does not match that transaction
 * (based on the matching rules in Section 17.2.3), the UAS core SHOULD generate a 482 (Loop
 * Detected) response and pass it to the server transaction."
 */
export const mergedRule: Rule = {
  name: 'merged',
  section: 'RFC 3261 §8.2.2.2',
  check(_req, ctx) {
    return ctx.merged ? reject(482) : undefined;
  },
};
