import { unescape } from '../sip/charset.js';
import type { HeaderPair } from '../sip/response.js';
import type { Decision, Rule, RuleContext } from './rule.js';
import type { SipRequest } from '../sip/message.js';
import { requiredHeaders } from './catalogue.js';
import { sessionBodyFor } from './media.js';

/**
 * Behaviour users (README, "Point a client at it"), the "scenario" end of the pipeline: the Request-URI user names a
 * configured user whose behaviour shapes the call (busy, ringing, answer, slow). Failures decided by
 * who the user is (gone, forbidden, unavailable, ambiguous, moved) belong to the `user` rule, which
 * runs before content checks. User parts compare case-sensitively after unescaping (§19.1.4).
 */
export const behaviourRule: Rule = {
  name: 'behaviour',
  section: 'sip4xx behaviour users (DESIGN §6)',
  check(req, ctx) {
    if (req.method === 'ACK' || req.method === 'CANCEL' || req.uri.user === undefined) return undefined;
    const name = unescape(req.uri.user);
    const users = ctx.config.users;
    if (!Object.hasOwn(users, name)) return undefined;
    const invite = req.method === 'INVITE';
    const calls = ctx.config.calls;
    switch (users[name]?.behaviour) {
      case 'busy': // §21.4.24 486 Busy Here, with Retry-After
        return { status: 486, headers: requiredHeaders(486, req, ctx), reason: users[name]?.reason };
      case 'ringing':
        // 180 (with our To tag, so it is an early dialog, §13.3.1.1), then 480 unless CANCELled
        // first — the CANCEL then gets 200 and the INVITE 487 (§9.2).
        if (!invite) return { status: 480, headers: requiredHeaders(480, req, ctx) };
        return {
          status: 480,
          headers: requiredHeaders(480, req, ctx),
          provisional: [{ status: 180, headers: dialogHeaders(req, ctx) }],
          delayMs: calls.ringMs,
        };
      case 'slow': // §21.4.9 408: no answer in time; 100 Trying goes out first (§17.2.1)
        return { status: 408, delayMs: calls.slowMs };
      case 'answer':
        return invite ? answer(req, ctx) : { status: 200 };
      default:
        return undefined;
    }
  },
};

/**
 * §12.1.1, for any response that establishes a dialog — a 2xx, or a 1xx with our To tag (an early
 * dialog, §12.1): "the UAS MUST copy all Record-Route header field values from the request into
 * the response … and MUST add a Contact header field to the response."
 */
function dialogHeaders(req: SipRequest, ctx: RuleContext): HeaderPair[] {
  const headers: HeaderPair[] = [];
  for (const h of req.headers) if (h.name === 'record-route') headers.push(['Record-Route', h.value]);
  headers.push(['Contact', ctx.contact(req)]);
  return headers;
}

/**
 * 2xx to an INVITE: a dialog (§12.1.1), an SDP answer (or offer, RFC 3264 §5) and a media port.
 * With every media port in use the phone is busy: §21.4.24 486, "not willing or able to take
 * additional calls at this end system".
 */
function answer(req: SipRequest, ctx: RuleContext): Decision {
  const sdp = sessionBodyFor(req, ctx, undefined);
  if (sdp === undefined) return { status: 486, headers: requiredHeaders(486, req, ctx) };
  const headers = dialogHeaders(req, ctx);
  headers.push(['Allow', ctx.config.sip.allow.join(', ')]);
  headers.push(['Supported', ctx.config.sip.supported.join(', ')]);
  return { status: 200, headers, body: sdp.body, dialog: 'create', media: sdp.media };
}
