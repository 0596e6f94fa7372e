import type { Rule } from './rule.js';

/**
 * §11.2: an OPTIONS addressed to the server itself (a Request-URI with no user part) is answered
 * as an INVITE would be — here 200, so load balancers and clients see the server alive — and
 * "Allow, Accept, Accept-Encoding, Accept-Language, and Supported header fields SHOULD be present".
 * OPTIONS to a user goes on through the rules like any other request.
 */
export const optionsRule: Rule = {
  name: 'options',
  section: 'RFC 3261 §11.2',
  check(req, ctx) {
    if (req.method !== 'OPTIONS' || req.uri.user !== undefined) return undefined;
    const sip = ctx.config.sip;
    return {
      status: 200,
      headers: [
        ['Allow', sip.allow.join(', ')],
        ['Accept', sip.accept.join(', ')],
        ['Accept-Encoding', sip.acceptEncodings.join(', ')],
        ['Accept-Language', sip.acceptLanguages.join(', ')],
        ['Supported', sip.supported.join(', ')],
      ],
    };
  },
};
