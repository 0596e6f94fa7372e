/**
 * Failures decided by who the Request-URI names (§8.2.2.1, §8.3, §21.3, §21.4): a configured user
 * (its methods, the `who` behaviours of behaviour.ts, its registration), an alias naming several
 * users, or a number the dial plan finds incomplete. User parts compare unescaped and
 * case-sensitively (§19.1.4). Calls that go through (busy, ringing, answer, slow) are answered by
 * the `behaviour` rule, later in the pipeline; names no one configured fall through to the
 * default 404.
 */
import type { Config, UserConfig } from '../config/schema.js';
import { unescape } from '../sip/charset.js';
import type { SipRequest } from '../sip/message.js';
import { sameUri } from '../registrar/uri-match.js';
import { ambiguous, behaviourDecision, retryAfter, userOf } from './behaviour.js';
import type { Decision, Rule, RuleContext } from './rule.js';
import { reject } from './rule.js';

/** ACK is never answered, a CANCEL belongs to its INVITE (§9.2), REGISTER is the registrar's (§10.3). */
const NOT_FOR_USERS = new Set(['ACK', 'CANCEL', 'REGISTER']);

/**
 * PUBLISH and SUBSCRIBE to a registered user are not calls to redirect to its devices: they go to
 * the user's event state (RFC 3903 §6, RFC 6665 §4.2), which the `event` rule answers.
 */
const NOT_CALLS = new Set(['PUBLISH', 'SUBSCRIBE']);

export const userRule: Rule = {
  name: 'user',
  section: 'RFC 3261 §8.2.2.1, §8.3, §21.3.3, §21.4',
  check(req, ctx) {
    if (NOT_FOR_USERS.has(req.method) || req.uri.user === undefined) return undefined;
    const name = unescape(req.uri.user);
    const { aliases, dialPlan } = ctx.config;
    // §21.4.22: "The server received a request with a Request-URI that was incomplete." Checked
    // first, configured or not: an incomplete number is incomplete whoever it would have reached.
    if (isIncompleteNumber(name, dialPlan)) return reject(484);
    const user = userOf(req, ctx);
    if (user !== undefined) return forUser(req, ctx, user);
    const members = Object.hasOwn(aliases, name) ? aliases[name] : undefined;
    if (members !== undefined) return ambiguous(req, ctx, members.map((m) => `${sipScheme(req)}:${escapeUser(m)}@{host}`), undefined);
    return undefined;
  },
};

function forUser(req: SipRequest, ctx: RuleContext, user: UserConfig): Decision | undefined {
  // §21.4.6: "The response MUST include an Allow header field containing a list of valid methods
  // for the indicated address."
  if (user.methods !== undefined && !user.methods.includes(req.method)) return reject(405, [['Allow', user.methods.join(', ')]]);
  if (user.behaviour !== undefined) return behaviourDecision('who', req, ctx, user);
  return user.password === undefined || NOT_CALLS.has(req.method) ? undefined : registered(req, ctx, user);
}

/**
 * A user who may register and has no behaviour is reached through its bindings, as a redirect
 * server does (§8.3: it "MUST return a 3xx … Contact header field containing one or more URIs of
 * new addresses to be tried"); with none, it is "currently unavailable (e.g., is not logged in)" —
 * 480 (§21.4.18).
 *
 * §8.3: "Redirect servers MUST NOT redirect a request to a URI equal to the one in the Request-URI;
 * instead, provided that the URI does not point to itself, the server MAY proxy the request to the
 * destination URI, or MAY reject it with a 404." A request addressed to one of the bindings
 * (compared per §19.1.4) is offered the others; with none left, sip4xx, which is no proxy, answers
 * 404 — a client following the 302 would otherwise loop on it.
 */
function registered(req: SipRequest, ctx: RuleContext, user: UserConfig): Decision {
  const aor = unescape(req.uri.user ?? '');
  const bindings = ctx.services.registrar.current(aor);
  if (bindings.length === 0) return reject(480, retryAfter(480, req, ctx, user), user.reason);
  const others = bindings.filter((b) => !sameUri(b.uri, req.uri));
  if (others.length === 0) return reject(404);
  return { status: 302, headers: others.map((b) => ['Contact', b.contact] as const), reason: user.reason ?? 'Moved Temporarily' };
}

function sipScheme(req: SipRequest): string {
  return req.uri.scheme === 'sips' ? 'sips' : 'sip';
}

/** A configured name as a URI user part: characters outside the §25.1 `user` set are escaped. */
function escapeUser(name: string): string {
  return name.replace(/[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/** RFC 3966 §5.1.1 visual separators, ignored when dialled. */
const VISUAL_SEPARATORS = /[-.()]/g;

/**
 * Overlap dialling (§21.4.22): a user part made only of dial characters (0-9 * # +, separators
 * aside) that starts with a dial-plan prefix and has fewer than its minDigits keys (0-9 * #; a
 * leading "+" marks the number international and is not counted) is incomplete.
 */
export function isIncompleteNumber(user: string, plan: Config['dialPlan']): boolean {
  const dialled = user.replace(VISUAL_SEPARATORS, '');
  if (!/^[0-9*#+]+$/.test(dialled)) return false;
  const keys = dialled.replace(/\+/g, '').length;
  return plan.some((p) => dialled.startsWith(p.prefix) && keys < p.minDigits);
}
