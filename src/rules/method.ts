import type { Rule } from './rule.js';
import { reject } from './rule.js';

/** Methods with an RFC behind them; anything else is a method this server does not implement. */
const KNOWN_METHODS = new Set([
  'INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', // RFC 3261
  'PRACK', // RFC 3262
  'SUBSCRIBE', 'NOTIFY', // RFC 6665
  'UPDATE', // RFC 3311
  'MESSAGE', // RFC 3428
  'REFER', // RFC 3515
  'INFO', // RFC 6086
  'PUBLISH', // RFC 3903
]);

/**
 * §8.2.1: "If a UAS does not understand a request method, it MUST respond with a 501 (Not
 * Implemented)"; a method it understands but does not allow gets 405, and "The UAS MUST also add
 * an Allow header field to the 405 (Method Not Allowed) response" (§21.4.6).
 */
export const methodRule: Rule = {
  name: 'method',
  section: 'RFC 3261 §8.2.1, §21.4.6',
  check(req, ctx) {
    const allow = ctx.config.sip.allow;
    if (allow.includes(req.method)) return undefined;
    const allowHeader: [string, string] = ['Allow', allow.join(', ')];
    return KNOWN_METHODS.has(req.method) ? reject(405, [allowHeader]) : reject(501, [allowHeader]);
  },
};
