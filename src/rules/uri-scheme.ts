import type { Rule } from './rule.js';
import { reject } from './rule.js';

/**
 * §8.2.2.1: "If the Request-URI uses a scheme not supported by the UAS, it SHOULD reject the
 * request with a 416 (Unsupported URI Scheme) response."
 */
export const uriSchemeRule: Rule = {
  name: 'uri-scheme',
  section: 'RFC 3261 §8.2.2.1',
  check(req, ctx) {
    return ctx.config.sip.uriSchemes.includes(req.uri.scheme) ? undefined : reject(416);
  },
};
