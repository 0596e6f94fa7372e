import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildPipeline, RULES_BY_NAME, runPipeline, UnknownRuleError } from '../../../src/rules/pipeline.js';
import type { Rule } from '../../../src/rules/rule.js';
import { testConfig } from '../../helpers/config.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

/** The headings of docs/ARCHITECTURE.md, which rules not defined by an RFC cite by name. */
const ARCHITECTURE_SECTIONS = readFileSync(new URL('../../../docs/ARCHITECTURE.md', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('#'))
  .map((l) => l.replace(/^#+\s*/, ''));

describe('rule pipeline (config/default.yaml `pipeline`)', () => {
  it('names every known rule exactly once in the default pipeline, and nothing else', () => {
    const names = testConfig().pipeline;
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...RULES_BY_NAME.keys()].sort());
  });

  it('asks who the user is before content checks, and lets calls through only after them', () => {
    const at = (name: string): number => testConfig().pipeline.indexOf(name);
    expect(at('acl')).toBe(0);
    expect(at('user')).toBeLessThan(at('content'));
    expect(at('content')).toBeLessThan(at('session-timer'));
    expect(at('session-timer')).toBeLessThan(at('behaviour'));
    expect(at('behaviour')).toBe(testConfig().pipeline.length - 1);
  });

  it('registers each rule under its own name', () => {
    for (const [name, rule] of RULES_BY_NAME) expect(rule.name).toBe(name);
  });

  it.each([...RULES_BY_NAME.values()].map((r) => [r.name, r.section]))('cites where rule %s is defined: an RFC section, or a section of docs/ARCHITECTURE.md that exists (%s)', (_name, section) => {
    const own = /^sip4xx [a-z -]+ \(docs\/ARCHITECTURE\.md, ([^)]+)\)$/.exec(section);
    if (own === null) expect(section).toMatch(/^RFC \d+ §\d+(\.\d+)*/);
    else expect(ARCHITECTURE_SECTIONS).toContain(own[1]);
  });

  it('answers with the first rule that fires, naming it (§16.3 before §8.2.2.1)', () => {
    const req = requestOf({ uri: 'mailto:486@example.com', maxForwards: 0 });
    const v = runPipeline(buildPipeline(testConfig().pipeline), req, ruleContext());
    expect(v).toEqual({ decision: { status: 483, headers: undefined, reason: undefined }, rule: 'max-forwards' });
  });

  it('follows the configured order, not the default one', () => {
    const req = requestOf({ uri: 'mailto:486@example.com', maxForwards: 0 });
    expect(runPipeline(buildPipeline(['uri-scheme', 'max-forwards']), req, ruleContext()).rule).toBe('uri-scheme');
  });

  it('skips a rule left out of the configured list', () => {
    const req = requestOf({ uri: 'sip:486@example.com', maxForwards: 0 });
    expect(runPipeline(buildPipeline(['uri-scheme', 'code-in-uri']), req, ruleContext()).decision.status).toBe(486);
  });

  it('answers the configured default response when no rule fires, naming rule "default"', () => {
    const ctx = ruleContext({ config: { defaultResponse: { code: 480, reason: 'Nobody Home' } } });
    expect(runPipeline(buildPipeline(testConfig().pipeline), requestOf({ uri: 'sip:nobody@127.0.0.1' }), ctx)).toEqual({ decision: { status: 480, reason: 'Nobody Home' }, rule: 'default' });
  });

  it('answers 404 Not Found by default to a request no rule decided (§21.4.5)', () => {
    expect(runPipeline(buildPipeline(testConfig().pipeline), requestOf({ uri: 'sip:nobody@127.0.0.1' }), ruleContext()).decision).toEqual({ status: 404, reason: 'Not Found' });
  });

  it('stops at the first decision: later rules are not consulted', () => {
    const seen: string[] = [];
    const spy = (name: string, fires: boolean): Rule => ({ name, section: 'test', check: () => (seen.push(name), fires ? { status: 499 } : undefined) });
    const v = runPipeline([spy('a', false), spy('b', true), spy('c', true)], requestOf(), ruleContext());
    expect(v.rule).toBe('b');
    expect(seen).toEqual(['a', 'b']);
  });

  it('refuses every unknown rule name at once, with a stable code and the known names', () => {
    let err: unknown;
    try {
      buildPipeline(['max-forwards', 'nope', 'loop', 'typo-rule']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownRuleError);
    expect((err as UnknownRuleError).code).toBe('SIP4XX_UNKNOWN_RULE');
    expect((err as UnknownRuleError).names).toEqual(['nope', 'typo-rule']);
    expect((err as Error).message).toContain('known: acl, auth, behaviour, cancel, code-in-uri,');
  });
});
