import { describe, expect, it } from 'vitest';
import { methodRule } from '../../../src/rules/method.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

const DEFAULT_ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, MESSAGE, INFO, UPDATE, REFER, PRACK, PUBLISH';

describe('method rule (RFC 3261 §8.2.1, §21.4.6)', () => {
  it.each(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'SUBSCRIBE', 'NOTIFY', 'MESSAGE', 'INFO', 'UPDATE', 'REFER', 'PRACK', 'PUBLISH'])(
    'lets an allowed %s through (§8.2.1)',
    (method) => {
      expect(methodRule.check(requestOf({ method }), ruleContext())).toBeUndefined();
    },
  );

  it.each(['FOO', 'invite', 'X-CUSTOM'])('answers 501 Not Implemented with Allow to the unknown method %s (§8.2.1)', (method) => {
    expect(methodRule.check(requestOf({ method }), ruleContext())).toEqual({ status: 501, headers: [['Allow', DEFAULT_ALLOW]], reason: undefined });
  });

  it.each(['REGISTER', 'SUBSCRIBE', 'PUBLISH'])('answers 405 Method Not Allowed with Allow to the known method %s not in sip.allow (§21.4.6)', (method) => {
    const ctx = ruleContext({ config: { sip: { allow: ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS'] } } });
    expect(methodRule.check(requestOf({ method }), ctx)).toEqual({ status: 405, headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS']], reason: undefined });
  });
});
