/**
 * Session timers (RFC 4028): a session refresh interval shorter than we are willing to keep state
 * for is refused with 422 and our minimum, so the client can retry with a longer one.
 */
import { getHeader, type SipHeader, type SipRequest } from '../sip/message.js';
import type { Rule } from './rule.js';
import { reject } from './rule.js';

export const sessionTimerRule: Rule = {
  name: 'session-timer',
  section: 'RFC 4028 §4, §5, §6, §9',
  check(req, ctx) {
    // RFC 4028 §9 (UAS behaviour) concerns session refresh requests: INVITE and UPDATE.
    if (req.method !== 'INVITE' && req.method !== 'UPDATE') return undefined;
    const se = deltaSecondsOf(req, 'session-expires');
    if (se === 'malformed') return reject(400, undefined, 'Malformed Session-Expires header field');
    const minSe = deltaSecondsOf(req, 'min-se');
    if (minSe === 'malformed') return reject(400, undefined, 'Malformed Min-SE header field');
    if (se === undefined) return undefined;
    // RFC 4028 §5: Min-SE "indicates the minimum value for the session interval" that the elements
    // on the path will accept, so the request's own Min-SE can only raise ours.
    const floor = Math.max(ctx.config.sip.minSE, minSe ?? 0);
    if (se >= floor) return undefined;
    // RFC 4028 §6: "The 422 response MUST contain a Min-SE header field with the minimum timer for
    // that server."
    return reject(422, [['Min-SE', String(floor)]]);
  },
};

/**
 * The delta-seconds of a Session-Expires (`x`) or Min-SE value (RFC 4028 §4, §5: delta-seconds
 * followed by parameters); undefined when absent, 'malformed' when unreadable or given twice
 * (each may appear once).
 */
function deltaSecondsOf(req: SipRequest, name: string): number | undefined | 'malformed' {
  const all = req.headers.filter((h: SipHeader) => h.name === name);
  if (all.length === 0) return undefined;
  if (all.length > 1) return 'malformed';
  const value = getHeader(all, name) as string;
  const semi = value.indexOf(';');
  const digits = (semi === -1 ? value : value.slice(0, semi)).trim();
  // §25.1: delta-seconds = 1*DIGIT; more than ten digits is no interval anyone means.
  if (digits === '' || digits.length > 10) return 'malformed';
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) return 'malformed';
  }
  return Number(digits);
}
