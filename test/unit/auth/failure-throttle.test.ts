/**
 * Back-off for password guessing (RFC 3261 §21.5.4): failures per source address, the lock-out,
 * its Retry-After, the window, the LRU bound; and through the auth rule, on a fake clock.
 */
import { describe, expect, it } from 'vitest';
import { AuthService } from '../../../src/auth/auth-service.js';
import { FailureThrottle, type ThrottleSettings } from '../../../src/auth/failure-throttle.js';
import { authRule } from '../../../src/rules/auth.js';
import { testConfig } from '../../helpers/config.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';
import { digestParams } from '../../helpers/sip-response.js';
import { answerChallenge } from './digest-client.js';

const S: ThrottleSettings = { maxFailures: 3, windowMs: 10_000, lockoutMs: 30_000, maxSources: 4 };

describe('FailureThrottle', () => {
  it('locks an address out at its maxFailures-th failure within the window, for lockoutMs', () => {
    const t = new FailureThrottle();
    t.fail('10.0.0.1', 0, S);
    t.fail('10.0.0.1', 1000, S);
    expect(t.retryAfter('10.0.0.1', 1000)).toBeUndefined();
    t.fail('10.0.0.1', 2000, S);
    expect(t.retryAfter('10.0.0.1', 2000)).toBe(30);
    expect(t.retryAfter('10.0.0.1', 2001)).toBe(30); // ceil: 29.999 s
    expect(t.retryAfter('10.0.0.1', 31_000)).toBe(1);
    expect(t.retryAfter('10.0.0.2', 2000)).toBeUndefined();
    expect(t.retryAfter('10.0.0.1', 32_000)).toBeUndefined();
    expect([t.failures, t.throttled, t.size]).toEqual([3, 3, 0]);
  });

  it('starts counting again once the window has passed', () => {
    const t = new FailureThrottle();
    t.fail('a', 0, S);
    t.fail('a', 9_999, S);
    t.fail('a', 10_000, S); // a new window: 1 failure
    t.fail('a', 10_001, S);
    expect(t.retryAfter('a', 10_001)).toBeUndefined();
    t.fail('a', 10_002, S);
    expect(t.retryAfter('a', 10_002)).toBe(30);
  });

  it('keeps at most maxSources addresses, forgetting the least recently used first', () => {
    const t = new FailureThrottle();
    for (const a of ['a', 'b', 'c', 'd']) t.fail(a, 0, S);
    t.fail('a', 1, S); // a is now the most recent
    t.fail('e', 2, S);
    expect(t.size).toBe(4);
    expect(t.evictions).toBe(1);
    t.fail('a', 3, S); // third failure of a: remembered, so locked
    expect(t.retryAfter('a', 3)).toBe(30);
    t.fail('b', 4, S); // b was evicted: its count starts again at 1
    t.fail('b', 5, S);
    expect(t.retryAfter('b', 5)).toBeUndefined();
  });
});

describe('auth rule with the throttle (§21.5.4)', () => {
  function setup() {
    const overrides = { auth: { throttle: { maxFailures: 3, windowMs: 60_000, lockoutMs: 20_000, maxSources: 100 } } };
    const config = testConfig(overrides);
    let now = 1_700_000_000_000;
    const auth = new AuthService({ now: () => now, config: () => config, secret: Buffer.alloc(32, 9) });
    const ctxFrom = (address: string) => ruleContext({ config: overrides, flow: { remote: { address } }, extra: { services: { auth } } });
    const register = (address: string, password: string) => {
      const ctx = ctxFrom(address);
      const spec = { method: 'REGISTER', uri: 'sip:127.0.0.1', from: '<sip:alice@127.0.0.1>;tag=a1', to: '<sip:alice@127.0.0.1>' };
      const ch = authRule.check(requestOf(spec), ctx);
      const value = ch?.headers?.find(([n]) => n === 'WWW-Authenticate')?.[1];
      if (value === undefined) throw new Error('no challenge');
      const authz = answerChallenge(digestParams(value), { method: 'REGISTER', uri: 'sip:127.0.0.1', password });
      return authRule.check(requestOf({ ...spec, headers: [['Authorization', authz]] }), ctx);
    };
    return { auth, register, tick: (ms: number) => void (now += ms) };
  }

  it('answers 403 three times, then 503 Retry-After even to the right password, only for that address', () => {
    const { auth, register, tick } = setup();
    for (let i = 0; i < 3; i++) expect(register('192.0.2.7', 'guess')).toEqual({ status: 403, headers: undefined, reason: undefined });
    expect(register('192.0.2.7', 'secret')).toEqual({ status: 503, headers: [['Retry-After', '20']], reason: undefined });
    expect(register('192.0.2.8', 'secret')).toBeUndefined(); // another source: verified, accepted
    tick(19_001);
    expect(register('192.0.2.7', 'secret')).toEqual({ status: 503, headers: [['Retry-After', '1']], reason: undefined });
    tick(999);
    expect(register('192.0.2.7', 'secret')).toBeUndefined();
    expect([auth.throttle.failures, auth.throttle.throttled]).toEqual([3, 2]);
  });
});
