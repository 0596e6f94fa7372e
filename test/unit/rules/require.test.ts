import { describe, expect, it } from 'vitest';
import { requireRule } from '../../../src/rules/require.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

const ctx = ruleContext(); // supported: path, timer

describe('require rule (RFC 3261 §8.2.2.3, §16.3 step 5)', () => {
  it.each([
    ['an unknown Require tag', { Require: 'foo' }, 'foo'],
    ['each unknown Require tag, in order', { Require: 'foo, bar' }, 'foo, bar'],
    ['only the unknown tags among known ones', { Require: 'timer, foo, path, bar' }, 'foo, bar'],
    ['an unknown Proxy-Require tag', { 'Proxy-Require': 'baz' }, 'baz'],
    ['tags from Require then Proxy-Require', { Require: 'foo', 'Proxy-Require': 'baz, timer' }, 'foo, baz'],
    ['a tag named in both only once', { Require: 'foo', 'Proxy-Require': 'foo' }, 'foo'],
  ] as const)('answers 420 Bad Extension listing %s in Unsupported (§8.2.2.3)', (_what, headers, unsupported) => {
    expect(requireRule.check(requestOf({ headers }), ctx)).toEqual({ status: 420, headers: [['Unsupported', unsupported]], reason: undefined });
  });

  it('collects tags from several Require header lines (§7.3.1)', () => {
    const req = requestOf({ headers: [['Require', 'foo'], ['Require', 'timer, bar']] });
    expect(requireRule.check(req, ctx)?.headers).toEqual([['Unsupported', 'foo, bar']]);
  });

  it('lets a request through whose Require and Proxy-Require name only supported tags (§8.2.2.3)', () => {
    expect(requireRule.check(requestOf({ headers: { Require: 'timer', 'Proxy-Require': 'path' } }), ctx)).toBeUndefined();
  });

  it('lets a request without Require through', () => {
    expect(requireRule.check(requestOf(), ctx)).toBeUndefined();
  });

  it.each(['ACK', 'CANCEL'])('does not examine the Require of a %s (§8.2.2.3, §9.1)', (method) => {
    expect(requireRule.check(requestOf({ method, headers: { Require: 'foo' } }), ctx)).toBeUndefined();
  });

  it('uses the configured sip.supported list (§8.2.2.3)', () => {
    const c = ruleContext({ config: { sip: { supported: ['foo'] } } });
    expect(requireRule.check(requestOf({ headers: { Require: 'foo, timer' } }), c)?.headers).toEqual([['Unsupported', 'timer']]);
  });
});

describe('require rule: extensions we require (RFC 3261 §21.4.16)', () => {
  const c = ruleContext({ config: { sip: { supported: ['path', 'timer', '100rel'], required: ['100rel', 'timer'] } } });

  it.each([
    ['neither tag when the request names none', {}, '100rel, timer'],
    ['only the tag Supported lacks', { Supported: 'timer' }, '100rel'],
    ['a tag named in neither Supported nor Require', { Require: 'timer', Supported: 'path' }, '100rel'],
    ['both tags when the compact Supported (k) names neither', { k: 'path' }, '100rel, timer'],
  ] as const)('answers 421 Extension Required listing %s in Require (§21.4.16)', (_what, headers, require) => {
    expect(requireRule.check(requestOf({ headers }), c)).toEqual({ status: 421, headers: [['Require', require]], reason: undefined });
  });

  it.each([
    ['Supported', { Supported: '100rel, timer' }],
    ['the compact form k (§7.3.3)', { k: '100rel, timer' }],
    ['Require and Supported together', { Require: '100rel', Supported: 'timer' }],
  ] as const)('lets a request through that names every required tag in %s', (_what, headers) => {
    expect(requireRule.check(requestOf({ headers }), c)).toBeUndefined();
  });

  it('answers 420 before 421: an unknown Require tag is the first fault (§8.2.2.3)', () => {
    expect(requireRule.check(requestOf({ headers: { Require: 'foo' } }), c)?.status).toBe(420);
  });

  it.each(['ACK', 'CANCEL'])('does not require extensions of a %s (§9.1)', (method) => {
    expect(requireRule.check(requestOf({ method }), c)).toBeUndefined();
  });

  it('requires nothing by default (sip.required is empty)', () => {
    expect(requireRule.check(requestOf(), ctx)).toBeUndefined();
  });
});
