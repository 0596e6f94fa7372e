/**
 * The registrar (§10.3): REGISTER for a user with a password binds, refreshes, removes or lists
 * Contacts. Authentication (step 3) is the `auth` rule's, which runs earlier; the domain (step 1)
 * is the `domain` rule's. What reaches this rule is authorised; it decides the rest.
 */
import { unescape } from '../sip/charset.js';
import type { NameAddr, SipRequest } from '../sip/message.js';
import type { HeaderPair } from '../sip/response.js';
import type { BindingRequest, CurrentBinding, UpdateOutcome } from '../registrar/bindings.js';
import { expiresHeader, grantExpiry, requestedExpiry } from '../registrar/expiry.js';
import { requiredHeaders } from './catalogue.js';
import type { Decision, Rule, RuleContext } from './rule.js';
import { reject } from './rule.js';

export const registrarRule: Rule = {
  name: 'registrar',
  section: 'RFC 3261 §10.3',
  check(req, ctx) {
    if (req.method !== 'REGISTER') return undefined;
    // Step 5: "If the address-of-record is not valid for the domain in the Request-URI, the
    // registrar MUST send a 404 (Not Found) response". Only users with a password may register:
    // the address-of-record of any other user, or of no user, is not one this registrar keeps.
    const aor = addressOfRecord(req);
    if (aor === undefined || ctx.config.users[aor]?.password === undefined) return reject(404);
    const table = ctx.services.registrar;
    const writer = { callId: req.callId, cseq: req.cseq.seq };

    // Step 6: no Contact → "it skips to the last step": a query answered with the bindings.
    if (req.contact === undefined) return ok(table.current(aor), ctx);
    if (req.contact === '*') {
      // "If the request has additional Contact fields or an expiration time other than zero, the
      // request is invalid, and the server MUST return a 400 (Invalid Request)". (A `*` among other
      // Contacts is refused by the parser already.)
      if (expiresHeader(req) !== 0) return reject(400, undefined, 'Contact * Requires Expires: 0');
      return answer(table.removeAll(aor, writer), ctx);
    }

    const reg = ctx.config.registrar;
    const header = expiresHeader(req);
    const requests: BindingRequest[] = [];
    for (const c of req.contact) {
      const granted = grantExpiry(requestedExpiry(c, header, reg.defaultExpires), reg);
      // Step 7: the 423 "MUST contain a Min-Expires header field … It then skips the remaining steps."
      if (granted === 'too-brief') return reject(423, requiredHeaders(423, req, ctx));
      const contact = contactValue(c);
      // §20.10 sets no length; what this registrar stores is its step 4 decision, as for the
      // number of Contacts below: 403, nothing bound.
      if (contact.length > reg.maxContactBytes) return reject(403, undefined, 'Contact Too Long');
      requests.push({ uri: c.uri, contact, expires: granted });
    }
    const limits = { maxContacts: reg.maxContactsPerUser, maxBytesPerUser: reg.maxBytesPerUser, maxBytes: ctx.config.limits.memory.bindingsBytes };
    return answer(table.update(aor, writer, requests, limits), ctx);
  },
};

/** The To user, unescaped (§19.1.4), when To is a SIP or SIPS URI (§10.2: the address-of-record). */
export function addressOfRecord(req: SipRequest): string | undefined {
  const to = req.to.uri;
  if ((to.scheme !== 'sip' && to.scheme !== 'sips') || to.user === undefined) return undefined;
  return unescape(to.user);
}

function answer(outcome: UpdateOutcome, ctx: RuleContext): Decision {
  switch (outcome.kind) {
    case 'ok':
      return ok(outcome.bindings, ctx);
    case 'out-of-order':
      // Step 7: "If not, the update MUST be aborted and the request fails" — with the 500 that step
      // names for a failed update ("the request MUST fail with a 500 (Server Error) response").
      return reject(500, undefined, 'Out of Order CSeq');
    case 'too-many':
      // RFC 3261 sets no limit; refusing to bind more is the authorisation decision of step 4
      // ("If the authenticated user is not authorized to modify registrations, the registrar MUST
      // return a 403 (Forbidden)"). Nothing was changed, so the client may remove a binding first.
      return reject(403, undefined, 'Too Many Registered Contacts');
    case 'too-big':
      return reject(403, undefined, 'Registered Contacts Too Large');
    case 'full':
      // §21.5.4: "temporarily unable to process the request due to a temporary overloading";
      // bindings expire (§10.3), so room comes back.
      return reject(503, [['Retry-After', String(ctx.config.registrar.minExpires)]], 'Registrar Full');
  }
}

/**
 * Step 8: "The response MUST contain Contact header field values enumerating all current bindings.
 * Each Contact value MUST feature an "expires" parameter indicating its expiration interval chosen
 * by the registrar. The response SHOULD include a Date header field."
 */
function ok(bindings: readonly CurrentBinding[], ctx: RuleContext): Decision {
  const headers: HeaderPair[] = bindings.map((b) => ['Contact', `${b.contact};expires=${b.expires}`]);
  headers.push(['Date', new Date(ctx.services.registrar.now()).toUTCString()]);
  return { status: 200, headers };
}

/** The Contact as bound: its URI in angle brackets and its parameters but `expires` (re-added per response). */
export function contactValue(c: NameAddr): string {
  let out = `<${c.uri.raw}>`;
  for (const p of c.params) {
    if (p.name === 'expires') continue;
    out += p.value === undefined ? `;${p.name}` : `;${p.name}=${p.value}`;
  }
  return out;
}
