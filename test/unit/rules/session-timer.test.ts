import { describe, expect, it } from 'vitest';
import { sessionTimerRule } from '../../../src/rules/session-timer.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

const ctx = ruleContext({ config: { sip: { minSE: 120 } } });
const check = (method: string, headers: Record<string, string> | [string, string][]) => sessionTimerRule.check(requestOf({ method, headers }), ctx);

describe('session-timer rule (RFC 4028)', () => {
  it.each([
    ['INVITE', 'Session-Expires', '90', 120],
    ['UPDATE', 'Session-Expires', '119;refresher=uac', 120],
    ['INVITE', 'x', '60', 120],
  ])('answers %s with %s: %s below sip.minSE 422 with Min-SE (RFC 4028 §6)', (method, name, value, minSe) => {
    expect(check(method, { [name]: value })).toEqual({ status: 422, headers: [['Min-SE', String(minSe)]], reason: undefined });
  });

  it("raises the bar to the request's own larger Min-SE (RFC 4028 §5)", () => {
    expect(check('INVITE', { 'Session-Expires': '200', 'Min-SE': '300' })).toEqual({ status: 422, headers: [['Min-SE', '300']], reason: undefined });
  });

  it('keeps our minimum when the request Min-SE is smaller (RFC 4028 §5)', () => {
    expect(check('INVITE', { 'Session-Expires': '100', 'Min-SE': '90' })?.headers).toEqual([['Min-SE', '120']]);
  });

  it.each([
    ['equal to the minimum', '120'],
    ['above the minimum, with a refresher', '1800;refresher=uas'],
  ])('lets a Session-Expires %s through (RFC 4028 §9)', (_what, value) => {
    expect(check('INVITE', { 'Session-Expires': value })).toBeUndefined();
  });

  it('lets a request without Session-Expires through', () => {
    expect(check('INVITE', { 'Min-SE': '90' })).toBeUndefined();
  });

  it.each(['abc', '', ';refresher=uac', '-5', '1.5', '12345678901'])('answers 400 to the malformed Session-Expires %j (RFC 4028 §4)', (value) => {
    expect(check('INVITE', { 'Session-Expires': value })).toEqual({ status: 400, headers: undefined, reason: 'Malformed Session-Expires header field' });
  });

  it('answers 400 to two Session-Expires header fields (RFC 4028 §4)', () => {
    expect(check('INVITE', [['Session-Expires', '1800'], ['x', '1800']])?.reason).toBe('Malformed Session-Expires header field');
  });

  it('answers 400 to a malformed Min-SE (RFC 4028 §5)', () => {
    expect(check('INVITE', { 'Session-Expires': '1800', 'Min-SE': 'soon' })).toEqual({ status: 400, headers: undefined, reason: 'Malformed Min-SE header field' });
  });

  it.each(['OPTIONS', 'BYE', 'REGISTER'])('leaves a %s alone: only INVITE and UPDATE refresh sessions (RFC 4028 §9)', (method) => {
    expect(check(method, { 'Session-Expires': '10' })).toBeUndefined();
  });
});
