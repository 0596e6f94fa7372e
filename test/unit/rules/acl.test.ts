import { describe, expect, it } from 'vitest';
import { aclRule } from '../../../src/rules/acl.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

const check = (acl: { allow?: string[]; deny?: string[] }, address: string, method = 'INVITE') =>
  aclRule.check(requestOf({ method }), ruleContext({ config: { acl: { allow: [], deny: [], ...acl } }, flow: { remote: { address } } }));

describe('acl rule (RFC 3261 §21.4.4)', () => {
  it.each([
    ['an IPv4 source in a denied network', { deny: ['10.0.0.0/8'] }, '10.1.2.3'],
    ['an IPv6 source in a denied network', { deny: ['2001:db8::/32'] }, '2001:db8::7'],
    ['an IPv4-mapped IPv6 source in a denied IPv4 network', { deny: ['192.0.2.0/24'] }, '::ffff:192.0.2.9'],
    ['a denied source even when also allowed (deny wins)', { allow: ['10.0.0.0/8'], deny: ['10.0.0.1'] }, '10.0.0.1'],
  ])('answers 403 to %s', (_what, acl, address) => {
    expect(check(acl, address)).toEqual({ status: 403, headers: undefined, reason: 'Source Address Denied' });
  });

  it.each([
    ['an IPv4 source outside the allowed networks', { allow: ['10.0.0.0/8'] }, '192.0.2.1'],
    ['an IPv6 source when only IPv4 is allowed', { allow: ['0.0.0.0/0'] }, '2001:db8::1'],
  ])('answers 403 to %s', (_what, acl, address) => {
    expect(check(acl, address)).toEqual({ status: 403, headers: undefined, reason: 'Source Address Not Allowed' });
  });

  it.each([
    ['any source when both lists are empty', {}, '203.0.113.1'],
    ['an allowed IPv4 source', { allow: ['10.0.0.0/8'] }, '10.9.8.7'],
    ['an allowed IPv6 source', { allow: ['::1'] }, '::1'],
    ['an IPv4-mapped source in an allowed IPv4 network', { allow: ['127.0.0.0/8'] }, '::ffff:127.0.0.1'],
    ['a source outside the denied networks', { deny: ['10.0.0.0/8'] }, '192.0.2.1'],
  ])('lets through %s', (_what, acl, address) => {
    expect(check(acl, address)).toBeUndefined();
  });

  it.each(['ACK', 'CANCEL'])('leaves a %s alone (§17.2.1, §9.2)', (method) => {
    expect(check({ deny: ['0.0.0.0/0'] }, '10.0.0.1', method)).toBeUndefined();
  });
});
