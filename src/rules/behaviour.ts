/**
 * User behaviours (config/default.yaml `users`, README "Point a client at it"): one table from a
 * configured user's `behaviour` to the decision it makes. Each behaviour answers at one of two
 * places in the pipeline (docs/ARCHITECTURE.md, "The pipeline"):
 * - `who`: failures decided by who the user is (403, 410, 480, 485, 302), answered by the `user`
 *   rule, before any content check — a gone user is gone whatever the body says;
 * - `call`: calls that go through (busy, ringing, answer, slow), answered by the `behaviour` rule
 *   at the end, so a call to them is refused first for a body, codec or session timer it gets wrong.
 * User parts compare unescaped and case-sensitively (§19.1.4).
 */
import type { BEHAVIOURS, UserConfig } from '../config/schema.js';
import { unescape } from '../sip/charset.js';
import type { SipRequest } from '../sip/message.js';
import type { HeaderPair } from '../sip/response.js';
import { contactFromTemplate } from '../core/contact.js';
import { requiredHeaders } from './catalogue.js';
import { sessionBodyFor } from './media.js';
import type { Decision, Rule, RuleContext } from './rule.js';
import { reject } from './rule.js';

export type Stage = 'who' | 'call';

interface Behaviour {
  readonly stage: Stage;
  decide(req: SipRequest, ctx: RuleContext, user: UserConfig): Decision;
}

const BEHAVIOUR: Readonly<Record<(typeof BEHAVIOURS)[number], Behaviour>> = {
  // §21.4.4
  forbidden: { stage: 'who', decide: (_req, _ctx, user) => reject(403, undefined, user.reason) },
  // §21.4.19: "no longer available at the server and no forwarding address is known"
  gone: { stage: 'who', decide: (_req, _ctx, user) => reject(410, undefined, user.reason) },
  // §21.4.18
  unavailable: { stage: 'who', decide: (req, ctx, user) => reject(480, retryAfter(480, req, ctx, user), user.reason) },
  ambiguous: { stage: 'who', decide: (req, ctx, user) => ambiguous(req, ctx, user.contacts ?? ctx.config.catalogue.ambiguousContacts, user.reason) },
  // §21.3.3: "The requesting client SHOULD retry the request at the new address(es)"
  moved: {
    stage: 'who',
    decide: (req, ctx, user) => ({ status: 302, headers: contacts(req, ctx, user.contacts ?? []), reason: user.reason ?? 'Moved Temporarily' }),
  },
  // §21.4.24 486 Busy Here, with Retry-After
  busy: { stage: 'call', decide: (req, ctx, user) => reject(486, retryAfter(486, req, ctx, user), user.reason) },
  // 180 (with our To tag, so it is an early dialog, §13.3.1.1), then 480 unless CANCELled first —
  // the CANCEL then gets 200 and the INVITE 487 (§9.2). No provisional for a non-INVITE (§8.2.6.1).
  ringing: {
    stage: 'call',
    decide(req, ctx, user) {
      const final = reject(480, retryAfter(480, req, ctx, user), user.reason);
      if (req.method !== 'INVITE') return final;
      return { ...final, provisional: [{ status: 180, headers: dialogHeaders(req, ctx) }], delayMs: ctx.config.calls.ringMs };
    },
  },
  // §21.4.9 408: no answer in time; 100 Trying goes out first (§17.2.1)
  slow: { stage: 'call', decide: (_req, ctx, user) => ({ status: 408, reason: user.reason, delayMs: ctx.config.calls.slowMs }) },
  answer: { stage: 'call', decide: (req, ctx) => (req.method === 'INVITE' ? answer(req, ctx) : { status: 200 }) },
};

/** The configured user the Request-URI names, if any. */
export function userOf(req: SipRequest, ctx: RuleContext): UserConfig | undefined {
  if (req.uri.user === undefined) return undefined;
  const name = unescape(req.uri.user);
  return Object.hasOwn(ctx.config.users, name) ? ctx.config.users[name] : undefined;
}

/** The decision of the user's behaviour when it answers at `stage`; undefined otherwise. */
export function behaviourDecision(stage: Stage, req: SipRequest, ctx: RuleContext, user: UserConfig): Decision | undefined {
  const b = user.behaviour === undefined ? undefined : BEHAVIOUR[user.behaviour];
  return b?.stage === stage ? b.decide(req, ctx, user) : undefined;
}

export const behaviourRule: Rule = {
  name: 'behaviour',
  section: 'sip4xx user behaviours (docs/ARCHITECTURE.md, User behaviours)',
  check(req, ctx) {
    // ACK is never answered; a CANCEL belongs to its INVITE (§9.2).
    if (req.method === 'ACK' || req.method === 'CANCEL') return undefined;
    const user = userOf(req, ctx);
    return user === undefined ? undefined : behaviourDecision('call', req, ctx, user);
  },
};

/**
 * §21.4.23: "The response MAY contain a listing of possible unambiguous addresses in Contact header
 * fields. Revealing alternatives can infringe on privacy of the user or the organization. It MUST be
 * possible to configure a server to respond with status 404 (Not Found) or to suppress the listing
 * of possible choices if the request address was ambiguous."
 */
export function ambiguous(req: SipRequest, ctx: RuleContext, candidates: readonly string[], reason: string | undefined): Decision {
  if (ctx.config.privacy) return reject(404);
  return reject(485, contacts(req, ctx, candidates), reason);
}

/** The user's Retry-After (§20.33) where it has its own, else the catalogue's. */
export function retryAfter(status: 480 | 486, req: SipRequest, ctx: RuleContext, user: UserConfig): HeaderPair[] {
  const headers = requiredHeaders(status, req, ctx);
  if (user.retryAfter === undefined) return headers;
  return headers.map((h) => (h[0] === 'Retry-After' ? (['Retry-After', String(user.retryAfter)] as const) : h));
}

/** Contact values from configured templates, rendered as every Contact pointing at us is. */
function contacts(req: SipRequest, ctx: RuleContext, templates: readonly string[]): HeaderPair[] {
  return templates.map((t) => ['Contact', contactFromTemplate(t, req, ctx)] as const);
}

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
