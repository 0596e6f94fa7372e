/**
 * The rule pipeline: every rule sip4xx knows, and the one list that orders them (DESIGN §5).
 * 413 / 414 / 400 / 505 come earlier, from the parser, because a request too large or too broken
 * to parse never becomes a SipRequest.
 */
import type { SipRequest } from '../sip/message.js';
import type { Decision, Rule, RuleContext } from './rule.js';
import { cancelRule } from './cancel.js';
import { codeInUriRule } from './code-in-uri.js';
import { dialogRule } from './dialog.js';
import { loopRule } from './loop.js';
import { mergedRule } from './merged.js';
import { maxForwardsRule } from './max-forwards.js';
import { methodRule } from './method.js';
import { optionsRule } from './options.js';
import { requireRule } from './require.js';
import { uriSchemeRule } from './uri-scheme.js';
import { behaviourRule } from './behaviour.js';
import { customRule } from './custom.js';
import { aclRule } from './acl.js';
import { contentRule } from './content.js';
import { sessionTimerRule } from './session-timer.js';
import { eventRule } from './event.js';
import { domainRule } from './domain.js';
import { userRule } from './user.js';
import { registrarRule } from './registrar.js';
import { authRule } from './auth.js';

/** Every rule by name, in the default order (config/default.yaml `pipeline` repeats it). */
export const RULES: readonly Rule[] = [
  aclRule, // 403  source networks: a denied source gets nothing else, not even OPTIONS 200
  maxForwardsRule, // 483  §16.3
  uriSchemeRule, // 416  §8.2.2.1
  loopRule, // 482  §16.3
  mergedRule, // 482  §8.2.2.2
  requireRule, // 420 / 421  §8.2.2.3, §21.4.16
  dialogRule, // 481 / 491 / 500  §12.2.2, §14.2
  cancelRule, // 481  §9.2
  customRule, // configured rules (DESIGN §6)
  methodRule, // 405 / 501  §8.2.1
  optionsRule, // 200  §11.2
  authRule, // 401 / 407, 403  §22
  domainRule, // 404  §8.2.2.1
  codeInUriRule, // 4xx  sip:<code>@host
  userRule, // 403 404 405 410 480 484 485 302  §8.2.2.1, §8.3, §21.4
  eventRule, // 489, and SUBSCRIBE / PUBLISH to a user: RFC 6665 §4.2, RFC 3903 §6 (it checks their bodies itself)
  contentRule, // 400 406 415 488 493  §8.2.3, §21.4.26
  sessionTimerRule, // 422  RFC 4028
  registrarRule, // 200 400 404 423 500  §10.3
  behaviourRule, // busy / ringing / answer / slow users
];

const BY_NAME = new Map(RULES.map((r) => [r.name, r]));

export class UnknownRuleError extends Error {
  readonly code = 'SIP4XX_UNKNOWN_RULE';
  constructor(readonly names: readonly string[]) {
    super(`unknown rule(s) in pipeline: ${names.join(', ')}; known: ${[...BY_NAME.keys()].join(', ')}`);
  }
}

/** Resolve the configured order; every unknown name is reported at once. */
export function buildPipeline(names: readonly string[]): readonly Rule[] {
  const unknown = names.filter((n) => !BY_NAME.has(n));
  if (unknown.length > 0) throw new UnknownRuleError(unknown);
  return names.map((n) => BY_NAME.get(n) as Rule);
}

export interface Verdict {
  readonly decision: Decision;
  /** The rule that answered, or "default". */
  readonly rule: string;
}

export function runPipeline(rules: readonly Rule[], req: SipRequest, ctx: RuleContext): Verdict {
  for (const rule of rules) {
    const decision = rule.check(req, ctx);
    if (decision !== undefined) return { decision, rule: decision.rule ?? rule.name };
  }
  const d = ctx.config.defaultResponse;
  return { decision: { status: d.code, reason: d.reason }, rule: 'default' };
}
