import { describe, expect, it } from 'vitest';
import { grantExpiry, parseDeltaSeconds, requestedExpiry } from '../../../src/registrar/expiry.js';
import { parseNameAddr } from '../../../src/sip/parse-name-addr.js';

function nameAddr(s: string) {
  const c = parseNameAddr(s);
  if (c === undefined) throw new Error(`bad test Contact ${s}`);
  return c;
}

describe('registration intervals (§10.3 step 7)', () => {
  it.each([
    ['<sip:a@192.0.2.1>;expires=120', 30, 120, 'the Contact expires parameter first'],
    ['<sip:a@192.0.2.1>', 30, 30, 'then the Expires header field'],
    ['<sip:a@192.0.2.1>', undefined, 3600, 'then the configured default'],
    ['<sip:a@192.0.2.1>;expires=soon', 30, 3600, 'a malformed expires parameter as 3600 (§20.10)'],
  ])('takes %s with Expires %s as %i: %s', (value, header, want, _why) => {
    expect(requestedExpiry(nameAddr(value), header, 3600)).toBe(want);
  });

  it.each([
    ['0', 0],
    [' 60 ', 60],
    ['4294967296', 4294967296],
    ['99999999999999999999999', Number.MAX_SAFE_INTEGER],
    ['-1', 3600],
    ['1.5', 3600],
    ['', 3600],
  ])('reads delta-seconds %j as %i (malformed → 3600, §20.19)', (text, want) => {
    expect(parseDeltaSeconds(text)).toBe(want);
  });

  const policy = { minExpires: 60, maxExpires: 7200 };
  it.each([
    [0, 0, 'zero removes the binding'],
    [1, 'too-brief', 'below the minimum'],
    [59, 'too-brief', 'just below the minimum'],
    [60, 60, 'the minimum itself'],
    [7200, 7200, 'the maximum'],
    [86400, 7200, 'above the maximum: capped (the registrar MAY choose less)'],
  ])('grants %i as %s: %s (§10.3 step 7)', (requested, want, _why) => {
    expect(grantExpiry(requested, policy)).toBe(want);
  });

  it('never answers 423 to an interval of an hour or more, even below a larger minimum (§10.3 step 7 "smaller than one hour")', () => {
    expect(grantExpiry(3599, { minExpires: 5000, maxExpires: 9000 })).toBe('too-brief');
    expect(grantExpiry(3600, { minExpires: 5000, maxExpires: 9000 })).toBe(3600);
  });
});
