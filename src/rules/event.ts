/**
 * Event packages (RFC 6665, RFC 3903): a SUBSCRIBE or PUBLISH for a package we do not serve is
 * refused with 489 Bad Event and the packages we do serve.
 */
import type { SipRequest } from '../sip/message.js';
import { requiredHeaders } from './catalogue.js';
import type { Decision, Rule, RuleContext } from './rule.js';
import { reject } from './rule.js';

export const eventRule: Rule = {
  name: 'event',
  section: 'RFC 6665 §8.2.1, §8.3; RFC 3903 §6',
  check(req, ctx) {
    if (req.method !== 'SUBSCRIBE' && req.method !== 'PUBLISH') return undefined;
    const events = req.headers.filter((h) => h.name === 'event');
    if (events.length === 0) {
      // RFC 3903 §6 step 2: "If the Event header field is missing or contains an event package
      // which the ESC does not support, the ESC MUST respond to the PUBLISH request with a 489".
      if (req.method === 'PUBLISH') return badEvent(req, ctx);
      // RFC 6665 §8.2.1: a SUBSCRIBE carries exactly one Event header field; without one it is
      // not a well-formed subscription at all (§21.4.1 400, the reason naming what is missing).
      return reject(400, undefined, 'Missing Event header field');
    }
    if (events.length > 1) return reject(400, undefined, 'Duplicate Event header field');
    const type = eventType((events[0] as { value: string }).value);
    if (type === undefined) return reject(400, undefined, 'Malformed Event header field');
    // RFC 6665 §8.2.1: event-types are compared byte-by-byte — so exactly, case included.
    // RFC 6665 §8.3 (489 Bad Event): the server did not understand the event package named in the
    // Event header field; Allow-Events lists the ones it does.
    return ctx.config.sip.events.includes(type) ? undefined : badEvent(req, ctx);
  },
};

function badEvent(req: SipRequest, ctx: RuleContext): Decision {
  return reject(489, requiredHeaders(489, req, ctx));
}

/** event-type (a token, with "." templates) before any ;parameters; undefined if not a token. */
function eventType(value: string): string | undefined {
  const semi = value.indexOf(';');
  const t = (semi === -1 ? value : value.slice(0, semi)).trim();
  if (t === '') return undefined;
  for (let i = 0; i < t.length; i++) {
    const c = t[i] as string;
    const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-.!%*_+`'~".includes(c);
    if (!ok) return undefined;
  }
  return t;
}
