import { describe, expect, it } from 'vitest';
import { mergedRule } from '../../../src/rules/merged.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

describe('merged rule (RFC 3261 §8.2.2.2)', () => {
  it('answers 482 Loop Detected when the transaction layer found a merged request', () => {
    expect(mergedRule.check(requestOf(), ruleContext({ extra: { merged: true } }))).toEqual({ status: 482, headers: undefined, reason: undefined });
  });

  it('lets every other request through', () => {
    expect(mergedRule.check(requestOf(), ruleContext())).toBeUndefined();
  });
});
