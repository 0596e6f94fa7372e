/**
 * Custom rules from configuration (`rules` in config/default.yaml): an ordered list, the first
 * whose `match` fits the request answers with its `respond`. Every condition given must hold.
 * Regular expressions and networks are compiled once per configuration, never per request.
 * Each answers under its own name in logs and metrics: its `name`, or `rule#N` for the N-th entry
 * of `rules` counted from 0 (as in config error paths such as `rules.0.respond.code`).
 */
import type { Config, CustomRuleConfig } from '../config/schema.js';
import { networkMatcher } from '../net/cidr.js';
import { unescape } from '../sip/charset.js';
import { canonicalHeaderName } from '../sip/header-names.js';
import type { SipRequest } from '../sip/message.js';
import type { HeaderPair } from '../sip/response.js';
import { bounded as boundedField } from '../core/log-fields.js';
import { requiredHeaders } from './catalogue.js';
import type { Decision, Rule, RuleContext } from './rule.js';

type Predicate = (req: SipRequest, ctx: RuleContext) => boolean;

interface CompiledRule {
  readonly name: string;
  readonly matches: readonly Predicate[];
  readonly respond: CustomRuleConfig['respond'];
}

/**
 * Patterns come from the operator's config, but they run on text from the network. JavaScript's
 * regex engine backtracks, so a careless pattern such as (a+)+$ is slow on a long crafted value;
 * matching only the first 1 KiB bounds that cost per request. No SIP user, host or header value a
 * rule could sensibly target is longer.
 */
const MAX_MATCH_CHARS = 1024;

function bounded(text: string): string {
  return text.length > MAX_MATCH_CHARS ? text.slice(0, MAX_MATCH_CHARS) : text;
}

const compiled = new WeakMap<Readonly<Config>['rules'], readonly CompiledRule[]>();

function rulesOf(config: Readonly<Config>): readonly CompiledRule[] {
  let rules = compiled.get(config.rules);
  if (rules === undefined) {
    rules = config.rules.map(compile);
    compiled.set(config.rules, rules);
  }
  return rules;
}

function compile(rule: CustomRuleConfig, index: number): CompiledRule {
  const m = rule.match;
  const matches: Predicate[] = [];
  if (m.method !== undefined) {
    // §7.1: method names are case-sensitive.
    const methods: readonly string[] = typeof m.method === 'string' ? [m.method] : m.method;
    matches.push((req) => methods.includes(req.method));
  }
  if (m.user !== undefined) {
    const re = new RegExp(m.user);
    // §19.1.4: the user part compares unescaped ("%34%38%36" is "486").
    matches.push((req) => req.uri.user !== undefined && re.test(bounded(unescape(req.uri.user))));
  }
  if (m.domain !== undefined) {
    const re = new RegExp(m.domain);
    // §19.1.4: hosts compare case-insensitively; an IPv6 reference is matched without brackets.
    matches.push((req) => re.test(bounded(req.uri.host.replace(/^\[|\]$/g, '').toLowerCase())));
  }
  if (m.header !== undefined) {
    const name = canonicalHeaderName(m.header.name); // §7.3.1 case-insensitive, §7.3.3 compact forms
    const re = m.header.regex === undefined ? undefined : new RegExp(m.header.regex);
    const present = m.header.present ?? true;
    matches.push((req) => {
      const values = req.headers.filter((h) => h.name === name);
      if (!present) return values.length === 0;
      return values.length > 0 && (re === undefined || values.some((h) => re.test(bounded(h.value))));
    });
  }
  if (m.transport !== undefined) {
    const transport = m.transport;
    matches.push((_req, ctx) => ctx.flow.transport === transport);
  }
  if (m.source !== undefined) {
    const inSource = networkMatcher(typeof m.source === 'string' ? [m.source] : m.source);
    matches.push((_req, ctx) => inSource(ctx.flow.remote.address));
  }
  // A metric label and a log field: bounded like every other logged string.
  return { name: boundedField(rule.name ?? `rule#${index}`), matches, respond: rule.respond };
}

export const customRule: Rule = {
  name: 'custom',
  section: 'sip4xx configured rules (docs/ARCHITECTURE.md, Configured rules)',
  check(req, ctx) {
    // An ACK is never answered (§17.2.1) and a CANCEL belongs to its INVITE (§9.2).
    if (req.method === 'ACK' || req.method === 'CANCEL') return undefined;
    for (const rule of rulesOf(ctx.config)) {
      if (rule.matches.every((p) => p(req, ctx))) return decisionOf(rule, req, ctx);
    }
    return undefined;
  },
};

/**
 * The configured answer, plus the headers its code must carry (catalogue.ts) that the rule did not
 * give itself — so a custom 420 still lists Unsupported and a custom 405 still has Allow.
 */
function decisionOf(rule: CompiledRule, req: SipRequest, ctx: RuleContext): Decision {
  const r = rule.respond;
  const given: HeaderPair[] = Object.entries(r.headers ?? {});
  const names = new Set(given.map(([n]) => canonicalHeaderName(n)));
  const headers = [...given, ...requiredHeaders(r.code, req, ctx).filter(([n]) => !names.has(canonicalHeaderName(n)))];
  return {
    status: r.code,
    reason: r.reason,
    headers,
    body: r.body,
    delayMs: r.delayMs,
    rule: rule.name,
  };
}
