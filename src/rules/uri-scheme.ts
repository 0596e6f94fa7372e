import { isSecure } from '../transport/flow.js';
import type { Rule } from './rule.js';
import { reject } from './rule.js';

/**
 * §8.2.2.1: "If the Request-URI uses a scheme not supported by the UAS, it SHOULD reject the
 * request with a 416 (Unsupported URI Scheme) response."
 *
 * §26.2.2: a SIPS Request-URI asks that every hop up to the resource be secured with TLS. Over an
 * insecure transport (UDP, TCP, plain WebSocket) that request cannot be honoured, so the scheme is
 * one this UAS does not support on that transport: 416 as above, with a reason phrase saying why.
 */
export const uriSchemeRule: Rule = {
  name: 'uri-scheme',
  section: 'RFC 3261 §8.2.2.1, §26.2.2',
  check(req, ctx) {
    if (!ctx.config.sip.uriSchemes.includes(req.uri.scheme)) return reject(416);
    if (req.uri.scheme === 'sips' && !isSecure(ctx.flow.transport)) return reject(416, undefined, 'SIPS Requires TLS');
    return undefined;
  },
};
