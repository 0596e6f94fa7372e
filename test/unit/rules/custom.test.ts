import { describe, expect, it } from 'vitest';
import { customRule } from '../../../src/rules/custom.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';
import type { RequestSpec } from '../../helpers/sip-request.js';
import type { FakeFlowOptions } from '../../helpers/fake-flow.js';

const RESPOND = { code: 403, reason: 'Barred' };
const decided = { status: 403, reason: 'Barred', headers: [], body: undefined, delayMs: undefined, rule: 'rule#0' };

function check(match: Record<string, unknown>, spec: RequestSpec = {}, flow?: FakeFlowOptions) {
  const ctx = ruleContext({ config: { rules: [{ match, respond: RESPOND }] }, flow });
  return customRule.check(requestOf(spec), ctx);
}

describe('custom rules (config `rules`)', () => {
  it.each([
    ['a method name', { method: 'INVITE' }, {}],
    ['a method in a list', { method: ['MESSAGE', 'INVITE'] }, {}],
    ['a user regex on the unescaped user (§19.1.4)', { user: '^999' }, { uri: 'sip:%39%399123@127.0.0.1' }],
    ['a domain regex, case-insensitive host (§19.1.4)', { domain: '^example\\.com$' }, { uri: 'sip:bob@EXAMPLE.com' }],
    ['a domain regex on an IPv6 host without brackets', { domain: '^2001:db8::1$' }, { uri: 'sip:bob@[2001:db8::1]' }],
    ['a header present, name case-insensitive (§7.3.1)', { header: { name: 'x-test', present: true } }, { headers: { 'X-Test': 'a' } }],
    ['a header by its compact form (§7.3.3)', { header: { name: 'Subject', regex: 'urgent' } }, { headers: { s: 'very urgent' } }],
    ['a header regex on any of its lines', { header: { name: 'User-Agent', regex: '^Evil' } }, { headers: [['User-Agent', 'Good'], ['User-Agent', 'EvilPhone']] }],
    ['a header required absent', { header: { name: 'Subject', present: false } }, {}],
    ['every condition given', { method: 'INVITE', user: '^bob$', transport: 'udp', source: '127.0.0.0/8' }, {}],
  ] as const)('answers when it matches %s', (_what, match, spec) => {
    expect(check(match, spec)).toEqual(decided);
  });

  it.each([
    ['another method', { method: 'MESSAGE' }, {}],
    ['a user regex on a URI without user', { user: '.*' }, { method: 'OPTIONS', uri: 'sip:127.0.0.1' }],
    ['a header that is absent', { header: { name: 'X-Test' } }, {}],
    ['a header whose value does not match', { header: { name: 'X-Test', regex: '^b' } }, { headers: { 'X-Test': 'a' } }],
    ['a header required absent that is present', { header: { name: 'X-Test', present: false } }, { headers: { 'X-Test': 'a' } }],
    ['one condition of several failing', { method: 'INVITE', user: '^alice$' }, {}],
  ] as const)('passes when %s', (_what, match, spec) => {
    expect(check(match, spec)).toBeUndefined();
  });

  it('matches the transport and the source networks of the flow', () => {
    expect(check({ transport: 'tcp' }, {}, { transport: 'tcp' })).toEqual(decided);
    expect(check({ transport: 'tcp' }, {})).toBeUndefined();
    expect(check({ source: ['10.0.0.0/8', '2001:db8::/32'] }, {}, { remote: { address: '2001:db8::9' } })).toEqual(decided);
    expect(check({ source: '10.0.0.0/8' }, {}, { remote: { address: '::ffff:10.0.0.9' } })).toEqual(decided);
    expect(check({ source: '10.0.0.0/8' }, {})).toBeUndefined();
  });

  it('takes the first matching rule, in order', () => {
    const ctx = ruleContext({
      config: {
        rules: [
          { match: { method: 'MESSAGE' }, respond: { code: 404 } },
          { match: { user: '^bob$' }, respond: { code: 486, reason: 'First' } },
          { match: { method: 'INVITE' }, respond: { code: 480, reason: 'Second' } },
        ],
      },
    });
    expect(customRule.check(requestOf(), ctx)?.reason).toBe('First');
  });

  it('answers with the configured headers, body and delay, adding the headers the code requires (§21.4.24)', () => {
    const respond = { code: 486, headers: { Warning: '399 sip4xx "busy test"' }, body: { type: 'text/plain', content: 'busy' }, delayMs: 250 };
    const ctx = ruleContext({ config: { rules: [{ match: {}, respond }] } });
    expect(customRule.check(requestOf(), ctx)).toEqual({
      status: 486,
      reason: undefined,
      headers: [['Warning', '399 sip4xx "busy test"'], ['Retry-After', '60']],
      body: { type: 'text/plain', content: 'busy' },
      delayMs: 250,
      rule: 'rule#0',
    });
  });

  it('answers under its configured name, or rule#N by its index in rules when unnamed', () => {
    const ctx = ruleContext({
      config: {
        rules: [
          { name: 'no-alice', match: { user: '^alice$' }, respond: { code: 403 } },
          { match: { user: '^bob$' }, respond: { code: 486 } },
        ],
      },
    });
    expect(customRule.check(requestOf({ uri: 'sip:alice@127.0.0.1' }), ctx)?.rule).toBe('no-alice');
    expect(customRule.check(requestOf({ uri: 'sip:bob@127.0.0.1' }), ctx)?.rule).toBe('rule#1');
  });

  it('cuts a configured name at 256 bytes, marked, since it is a log field and a metric label', () => {
    const ctx = ruleContext({ config: { rules: [{ name: 'n'.repeat(300), match: {}, respond: { code: 403 } }] } });
    expect(customRule.check(requestOf(), ctx)?.rule).toBe(`${'n'.repeat(256)}…[+44 bytes]`);
  });

  it('keeps a required header the rule gives itself instead of adding the default one', () => {
    const ctx = ruleContext({ config: { rules: [{ match: {}, respond: { code: 486, headers: { 'retry-after': '5' } } }] } });
    expect(customRule.check(requestOf(), ctx)?.headers).toEqual([['retry-after', '5']]);
  });

  it.each(['ACK', 'CANCEL'])('leaves a %s alone (§17.2.1, §9.2)', (method) => {
    expect(check({}, { method })).toBeUndefined();
  });

  it('answers nothing when no rules are configured', () => {
    expect(customRule.check(requestOf(), ruleContext())).toBeUndefined();
  });

  it('compiles the rules once per configuration, not per request', () => {
    const ctx = ruleContext({ config: { rules: [{ match: { user: '^bob$' }, respond: RESPOND }] } });
    const req = requestOf();
    const spy = { count: 0 };
    const Original = globalThis.RegExp;
    globalThis.RegExp = new Proxy(Original, {
      construct(target, args: [string]) {
        spy.count++;
        return new target(...args);
      },
    });
    try {
      for (let i = 0; i < 5; i++) customRule.check(req, ctx);
    } finally {
      globalThis.RegExp = Original;
    }
    expect(spy.count).toBe(1);
  });
});
