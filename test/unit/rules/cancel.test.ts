import { describe, expect, it } from 'vitest';
import { cancelRule } from '../../../src/rules/cancel.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

describe('cancel rule (RFC 3261 §9.2)', () => {
  it('answers 481 Call/Transaction Does Not Exist to a CANCEL that reached the rules: it matched no transaction (§9.2)', () => {
    expect(cancelRule.check(requestOf({ method: 'CANCEL' }), ruleContext())).toEqual({ status: 481, headers: undefined, reason: undefined });
  });

  it.each(['INVITE', 'BYE', 'OPTIONS'])('lets a %s through', (method) => {
    expect(cancelRule.check(requestOf({ method }), ruleContext())).toBeUndefined();
  });
});
