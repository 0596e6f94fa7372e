import { describe, expect, it } from 'vitest';
import { eventRule } from '../../../src/rules/event.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

const ctx = ruleContext(); // events: presence, message-summary, dialog
const ALLOW_EVENTS = [['Allow-Events', 'presence, message-summary, dialog']];
const check = (method: string, headers: Record<string, string> | [string, string][] = {}) => eventRule.check(requestOf({ method, headers }), ctx);

describe('event rule (RFC 6665, RFC 3903)', () => {
  it.each([
    ['SUBSCRIBE', 'Event', 'conference'],
    ['SUBSCRIBE', 'o', 'reg'],
    ['SUBSCRIBE', 'Event', 'presence.winfo'],
    ['SUBSCRIBE', 'Event', 'Presence'],
    ['PUBLISH', 'Event', 'conference;id=1'],
  ])('answers a %s with %s: %s 489 Bad Event with Allow-Events (RFC 6665 §8.3)', (method, name, value) => {
    expect(check(method, { [name]: value })).toEqual({ status: 489, headers: ALLOW_EVENTS, reason: undefined });
  });

  it.each([
    ['SUBSCRIBE', 'presence'],
    ['SUBSCRIBE', 'dialog;id=42'],
    ['PUBLISH', 'presence'],
    ['SUBSCRIBE', ' message-summary '],
  ])('lets a %s for the served package %j to a user without a password through (RFC 6665 §8.2.1)', (method, value) => {
    expect(eventRule.check(requestOf({ method, uri: 'sip:busy@127.0.0.1', headers: { Event: value } }), ctx)).toBeUndefined();
    expect(eventRule.check(requestOf({ method, uri: 'sip:nobody@127.0.0.1', headers: { Event: value } }), ctx)).toBeUndefined();
  });

  it('answers 400 naming the missing Event of a SUBSCRIBE (RFC 6665 §8.2.1)', () => {
    expect(check('SUBSCRIBE')).toEqual({ status: 400, headers: undefined, reason: 'Missing Event header field' });
  });

  it('answers 489 to a PUBLISH without Event (RFC 3903 §6 step 2)', () => {
    expect(check('PUBLISH')).toEqual({ status: 489, headers: ALLOW_EVENTS, reason: undefined });
  });

  it.each([
    ['a value that is not a token', { Event: 'pres ence' }, 'Malformed Event header field'],
    ['an empty event type', { Event: ';id=1' }, 'Malformed Event header field'],
  ])('answers 400 to %s', (_what, headers, reason) => {
    expect(check('SUBSCRIBE', headers)).toEqual({ status: 400, headers: undefined, reason });
  });

  it('answers 400 to two Event header fields (RFC 6665 §8.2.1: exactly one)', () => {
    expect(check('SUBSCRIBE', [['Event', 'presence'], ['o', 'dialog']])?.reason).toBe('Duplicate Event header field');
  });

  it.each(['NOTIFY', 'INVITE', 'OPTIONS'])('leaves a %s alone', (method) => {
    expect(check(method, { Event: 'conference' })).toBeUndefined();
  });
});
