import { describe, expect, it } from 'vitest';
import { BindingTable } from '../../../src/registrar/bindings.js';
import { isIncompleteNumber, userRule } from '../../../src/rules/user.js';
import type { Decision } from '../../../src/rules/rule.js';
import { parseUri } from '../../../src/sip/parse-uri.js';
import type { RequestSpec } from '../../helpers/sip-request.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';
import { FakeClock } from '../transaction/fake-clock.js';

const USERS = {
  carol: { password: 'pw', retryAfter: 300, reason: 'Not Logged In' },
  gone: { behaviour: 'gone' },
  left: { behaviour: 'gone', reason: 'Left The Company' },
  forbidden: { behaviour: 'forbidden' },
  unavailable: { behaviour: 'unavailable' },
  fishing: { behaviour: 'unavailable', retryAfter: 3600, reason: 'Gone Fishing' },
  ambiguous: { behaviour: 'ambiguous', contacts: ['sip:alice@{host}', 'sip:bob@{host}'] },
  vague: { behaviour: 'ambiguous' },
  moved: { behaviour: 'moved', contacts: ['sip:answer@{host}', 'sip:{user}@backup.example.com'] },
  textonly: { behaviour: 'answer', methods: ['MESSAGE', 'OPTIONS'] },
  'Mixed Case': { behaviour: 'gone' },
  '0123': { behaviour: 'busy' },
};

function setup(config: Record<string, unknown> = {}) {
  const clock = new FakeClock();
  const table = new BindingTable(clock);
  const ctx = ruleContext({ config: { users: USERS, ...config }, extra: { services: { registrar: table } } });
  const check = (spec: RequestSpec): Decision | undefined => userRule.check(requestOf(spec), ctx);
  return { clock, table, check };
}

const { check } = setup();
function fail(what: string): never {
  throw new Error(`bad test URI ${what}`);
}
const values = (d: Decision | undefined, name: string): string[] => (d?.headers ?? []).filter(([n]) => n === name).map(([, v]) => v);
const answer = (d: Decision | undefined) => [d?.status, d?.reason];

describe('user rule (§8.2.2.1, §21.4)', () => {
  it.each([
    ['gone', 410, undefined, '§21.4.19'],
    ['left', 410, 'Left The Company', '§21.4.19, reason from user.reason'],
    ['forbidden', 403, undefined, '§21.4.4'],
  ])('answers a call to %s with %i %s (%s)', (user, code, reason, _section) => {
    expect(answer(check({ uri: `sip:${user}@127.0.0.1` }))).toEqual([code, reason]);
  });

  it('answers an unavailable user 480 with the catalogue Retry-After (§21.4.18, §20.33)', () => {
    const d = check({ uri: 'sip:unavailable@127.0.0.1' });
    expect(answer(d)).toEqual([480, undefined]);
    expect(values(d, 'Retry-After')).toEqual(['60']);
  });

  it('gives a user\'s own Retry-After and reason phrase over the catalogue (§21.4.18 "a more precise cause")', () => {
    const d = check({ uri: 'sip:fishing@127.0.0.1' });
    expect(answer(d)).toEqual([480, 'Gone Fishing']);
    expect(values(d, 'Retry-After')).toEqual(['3600']);
  });

  it('answers an ambiguous user 485 with each candidate as Contact, {host} being the address that reached us (§21.4.23, §12.1.1)', () => {
    const d = check({ uri: 'sip:ambiguous@example.com:5070' });
    expect(d?.status).toBe(485);
    expect(values(d, 'Contact')).toEqual(['<sip:alice@127.0.0.1:5060>', '<sip:bob@127.0.0.1:5060>']);
  });

  it('offers the catalogue candidates for an ambiguous user without contacts (§21.4.23)', () => {
    expect(values(check({ uri: 'sip:vague@example.com' }), 'Contact')).toEqual(['<sip:vague-1@127.0.0.1:5060>', '<sip:vague-2@127.0.0.1:5060>']);
  });

  it('answers an alias 485 listing its users as Contact (§21.4.23)', () => {
    const d = check({ uri: 'sip:team@example.com' });
    expect(d?.status).toBe(485);
    expect(values(d, 'Contact')).toEqual(['<sip:alice@127.0.0.1:5060>', '<sip:bob@127.0.0.1:5060>']);
  });

  it('keeps sips: for the Contacts of an alias called over sips (§26.2.2)', () => {
    expect(values(check({ uri: 'sips:team@example.com' }), 'Contact')).toEqual(['<sips:alice@127.0.0.1:5060>', '<sips:bob@127.0.0.1:5060>']);
  });

  it.each(['ambiguous', 'team'])('answers %s 404 with no candidates when privacy is on (§21.4.23)', (user) => {
    const d = setup({ privacy: true }).check({ uri: `sip:${user}@example.com` });
    expect([d?.status, d?.headers ?? []]).toEqual([404, []]);
  });

  it('answers a moved user 302 Moved Temporarily with its contacts (§21.3.3)', () => {
    const d = check({ uri: 'sip:moved@127.0.0.1' });
    expect(answer(d)).toEqual([302, 'Moved Temporarily']);
    expect(values(d, 'Contact')).toEqual(['<sip:answer@127.0.0.1:5060>', '<sip:moved@backup.example.com>']);
  });

  it('answers a method the user does not take 405 with Allow listing the user\'s methods (§21.4.6)', () => {
    const d = check({ uri: 'sip:textonly@127.0.0.1' });
    expect(d?.status).toBe(405);
    expect(values(d, 'Allow')).toEqual(['MESSAGE, OPTIONS']);
    expect(check({ method: 'MESSAGE', uri: 'sip:textonly@127.0.0.1' })).toBeUndefined();
  });

  it('answers a password user who has not registered 480 with Retry-After (§21.4.18 "not logged in")', () => {
    const d = check({ uri: 'sip:carol@127.0.0.1' });
    expect(answer(d)).toEqual([480, 'Not Logged In']);
    expect(values(d, 'Retry-After')).toEqual(['300']);
    expect(check({ uri: 'sip:alice@127.0.0.1' })).toMatchObject({ status: 480, headers: [['Retry-After', '60']] });
  });

  it('redirects a registered user with 302 to its bound Contacts (§8.3), until they expire', () => {
    const { table, check: checkWith, clock } = setup();
    const uri = parseUri('sip:carol@192.0.2.7:5080');
    if (uri === undefined) throw new Error('bad URI');
    table.update('carol', { callId: 'c@test', cseq: 1 }, [{ uri, contact: '<sip:carol@192.0.2.7:5080>;q=0.5', expires: 60 }], 10);
    const d = checkWith({ uri: 'sip:carol@127.0.0.1' });
    expect(d?.status).toBe(302);
    expect(values(d, 'Contact')).toEqual(['<sip:carol@192.0.2.7:5080>;q=0.5']);
    clock.tick(60_000);
    expect(checkWith({ uri: 'sip:carol@127.0.0.1' })?.status).toBe(480);
  });

  it('never redirects a request to its own Request-URI: the other bindings are offered (§8.3, §19.1.4)', () => {
    const { table, check: checkWith } = setup();
    const bind = (text: string, contact: string) => ({ uri: parseUri(text) ?? fail(text), contact, expires: 60 });
    table.update('carol', { callId: 'c@test', cseq: 1 }, [bind('sip:carol@192.0.2.7:5080', '<sip:carol@192.0.2.7:5080>'), bind('sip:carol@192.0.2.8', '<sip:carol@192.0.2.8>')], 10);
    // An escaped user part does not make a different URI (§19.1.4).
    const d = checkWith({ uri: 'sip:%63arol@192.0.2.7:5080' });
    expect(d?.status).toBe(302);
    expect(values(d, 'Contact')).toEqual(['<sip:carol@192.0.2.8>']);
    // sip:carol@192.0.2.7 (no port) is another URI than sip:carol@192.0.2.7:5080 (§19.1.4).
    expect(values(checkWith({ uri: 'sip:carol@192.0.2.7' }), 'Contact')).toEqual(['<sip:carol@192.0.2.7:5080>', '<sip:carol@192.0.2.8>']);
  });

  it('answers 404 a request addressed to the only binding of a user, instead of a 302 to itself (§8.3)', () => {
    const { table, check: checkWith } = setup();
    const uri = parseUri('sip:carol@127.0.0.1:5062;transport=udp') ?? fail('uri');
    table.update('carol', { callId: 'c@test', cseq: 1 }, [{ uri, contact: '<sip:carol@127.0.0.1:5062;transport=udp>', expires: 60 }], 10);
    const d = checkWith({ uri: 'sip:carol@127.0.0.1:5062;transport=UDP' });
    expect([d?.status, d?.reason, d?.headers ?? []]).toEqual([404, undefined, []]);
  });

  it.each(['PUBLISH', 'SUBSCRIBE'])('leaves a %s to a registered user to the event rule: no 302 to a device (RFC 3903, RFC 6665)', (method) => {
    const { table, check: checkWith } = setup();
    const uri = parseUri('sip:carol@192.0.2.7:5080') ?? fail('uri');
    table.update('carol', { callId: 'c@test', cseq: 1 }, [{ uri, contact: '<sip:carol@192.0.2.7:5080>', expires: 60 }], 10);
    expect(checkWith({ method, uri: 'sip:carol@127.0.0.1', headers: { Event: 'presence' } })).toBeUndefined();
    expect(checkWith({ method: 'MESSAGE', uri: 'sip:carol@127.0.0.1' })?.status).toBe(302);
  });

  it('adds ;transport=tcp to the Contacts that point at us when the request came over TCP (RFC 3263 §4.1)', () => {
    const ctx = ruleContext({ config: { users: USERS }, flow: { transport: 'tcp', local: { address: '127.0.0.1', port: 5080 } } });
    const d = userRule.check(requestOf({ uri: 'sip:moved@example.com' }), ctx);
    expect(values(d, 'Contact')).toEqual(['<sip:answer@127.0.0.1:5080;transport=tcp>', '<sip:moved@backup.example.com>']);
  });

  it.each(['busy', 'ringing', 'answer', 'slow'])('leaves a %s user to the behaviour rule', (user) => {
    expect(setup({ users: { [user]: { behaviour: user } } }).check({ uri: `sip:${user}@127.0.0.1` })).toBeUndefined();
  });

  it.each([
    ['an unknown user', 'sip:nobody@127.0.0.1'],
    ['a user named in other case (userinfo is case-sensitive, §19.1.4)', 'sip:GONE@127.0.0.1'],
    ['a URI without a user', 'sip:127.0.0.1'],
  ])('leaves %s to the default 404', (_what, uri) => {
    expect(check({ uri })).toBeUndefined();
  });

  it('finds a user by the unescaped user part (§19.1.4)', () => {
    expect(check({ uri: 'sip:%67one@127.0.0.1' })?.status).toBe(410);
    expect(check({ uri: 'sip:Mixed%20Case@127.0.0.1' })?.status).toBe(410);
  });

  it.each(['ACK', 'CANCEL', 'REGISTER'])('leaves %s alone (§17.2.1, §9.2, §10.3)', (method) => {
    expect(check({ method, uri: 'sip:gone@127.0.0.1' })).toBeUndefined();
  });

  it.each([
    ['sip:0123@127.0.0.1', 484],
    ['sip:0123@127.0.0.1;user=phone', 484],
    ['tel:0-12-3', 484],
    ['sip:(030)%20555@127.0.0.1', undefined], // a space is no visual separator: not a number
    ['sip:012345678@127.0.0.1', 484],
    ['sip:0123456789@127.0.0.1', undefined],
    ['sip:0(30)-555.123.45@127.0.0.1', undefined],
    ['sip:486@127.0.0.1', undefined],
    ['sip:0abc@127.0.0.1', undefined],
  ])('answers %s %s by the dial plan (prefix 0, 10 digits; §21.4.22)', (uri, want) => {
    expect(check({ uri })?.status).toBe(want);
  });

  it('answers 484 to an incomplete number even when it names a configured user (§21.4.22)', () => {
    expect(check({ uri: 'sip:0123@127.0.0.1' })?.status).toBe(484);
  });
});

describe('dial plan (§21.4.22, RFC 3966 §5.1.1)', () => {
  const plan = [
    { prefix: '0', minDigits: 10 },
    { prefix: '+', minDigits: 11 },
    { prefix: '*', minDigits: 3 },
  ];
  it.each([
    ['012', true],
    ['0-12-345-678', true],
    ['0 12', false],
    ['+4930123', true],
    ['+49301234567', false],
    ['*7', true],
    ['*72', false],
    ['112', false],
    ['', false],
    ['-', false],
  ])('finds %j incomplete: %s', (user, want) => {
    expect(isIncompleteNumber(user, plan)).toBe(want);
  });
});
