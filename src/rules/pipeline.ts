/**
 * The rule pipeline: every rule sip4xx knows, by name. Their order is configuration —
 * `pipeline` in config/default.yaml is the one list, one line per rule with its section; why each
 * stands where it does is in docs/ARCHITECTURE.md, "The pipeline". 413 / 414 / 400 / 505 come
 * earlier, from the parser, because a request too large or too broken to parse never becomes a
 * SipRequest.
 */
import type { SipRequest } from '../sip/message.js';
import type { Decision, Rule, RuleContext } from './rule.js';
import { aclRule } from './acl.js';
import { authRule } from './auth.js';
import { behaviourRule } from './behaviour.js';
import { cancelRule } from './cancel.js';
import { codeInUriRule } from './code-in-uri.js';
import { contentRule } from './content.js';
import { customRule } from './custom.js';
import { dialogRule } from './dialog.js';
import { domainRule } from './domain.js';
import { eventRule } from './event.js';
import { loopRule } from './loop.js';
import { maxForwardsRule } from './max-forwards.js';
import { mergedRule } from './merged.js';
import { methodRule } from './method.js';
import { optionsRule } from './options.js';
import { registrarRule } from './registrar.js';
import { requireRule } from './require.js';
import { sessionTimerRule } from './session-timer.js';
import { uriSchemeRule } from './uri-scheme.js';
import { userRule } from './user.js';

/** Every rule by its name, the name `pipeline` uses; the order of this table means nothing. */
export const RULES_BY_NAME: ReadonlyMap<string, Rule> = new Map(
  [
    aclRule,
    authRule,
    behaviourRule,
    cancelRule,
    codeInUriRule,
    contentRule,
    customRule,
    dialogRule,
    domainRule,
    eventRule,
    loopRule,
    maxForwardsRule,
    mergedRule,
    methodRule,
    optionsRule,
    registrarRule,
    requireRule,
    sessionTimerRule,
    uriSchemeRule,
    userRule,
  ].map((r) => [r.name, r]),
);

export class UnknownRuleError extends Error {
  readonly code = 'SIP4XX_UNKNOWN_RULE';
  constructor(readonly names: readonly string[]) {
    super(`unknown rule(s) in pipeline: ${names.join(', ')}; known: ${[...RULES_BY_NAME.keys()].join(', ')}`);
  }
}

/** Resolve the configured order; every unknown name is reported at once. */
export function buildPipeline(names: readonly string[]): readonly Rule[] {
  const unknown = names.filter((n) => !RULES_BY_NAME.has(n));
  if (unknown.length > 0) throw new UnknownRuleError(unknown);
  return names.map((n) => RULES_BY_NAME.get(n) as Rule);
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
