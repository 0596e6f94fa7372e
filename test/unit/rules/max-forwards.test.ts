import { describe, expect, it } from 'vitest';
import { maxForwardsRule } from '../../../src/rules/max-forwards.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

describe('max-forwards rule (RFC 3261 §16.3 step 3)', () => {
  it.each(['INVITE', 'REGISTER', 'BYE', 'MESSAGE', 'SUBSCRIBE'])('answers 483 Too Many Hops to a %s arriving with Max-Forwards 0 (§16.3)', (method) => {
    expect(maxForwardsRule.check(requestOf({ method, maxForwards: 0 }), ruleContext())).toEqual({ status: 483, headers: undefined, reason: undefined });
  });

  it('lets an OPTIONS with Max-Forwards 0 through to be answered as the final recipient by default (§16.3, §11)', () => {
    expect(maxForwardsRule.check(requestOf({ method: 'OPTIONS', maxForwards: 0 }), ruleContext())).toBeUndefined();
  });

  it('answers 483 to an OPTIONS with Max-Forwards 0 when sip.optionsMaxForwardsZero is 483 (§16.3)', () => {
    const ctx = ruleContext({ config: { sip: { optionsMaxForwardsZero: 483 } } });
    expect(maxForwardsRule.check(requestOf({ method: 'OPTIONS', maxForwards: 0 }), ctx)?.status).toBe(483);
  });

  it.each([1, 70, 255])('lets a request with Max-Forwards %i through (§16.3)', (maxForwards) => {
    expect(maxForwardsRule.check(requestOf({ maxForwards }), ruleContext())).toBeUndefined();
  });

  it('lets a request without Max-Forwards through: there is no zero to refuse (§8.1.1.6)', () => {
    expect(maxForwardsRule.check(requestOf({ maxForwards: null }), ruleContext())).toBeUndefined();
  });
});
