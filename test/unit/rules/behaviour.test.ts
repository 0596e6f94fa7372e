import { describe, expect, it } from 'vitest';
import { behaviourRule } from '../../../src/rules/behaviour.js';
import { userRule } from '../../../src/rules/user.js';
import { BEHAVIOURS } from '../../../src/config/schema.js';
import type { Decision } from '../../../src/rules/rule.js';
import type { RequestSpec } from '../../helpers/sip-request.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';
import { MediaService } from '../../../src/media/media-service.js';
import type { RuleContext } from '../../../src/rules/rule.js';
import { FakeClock } from '../transaction/fake-clock.js';

const base = ruleContext({ config: { calls: { ringMs: 12_000, slowMs: 3_000 }, catalogue: { retryAfter: 90 } } });
const ctx = { ...base, services: { media: new MediaService({ clock: new FakeClock(), config: () => base.config }) } } as unknown as RuleContext;
const check = (spec: RequestSpec): Decision | undefined => behaviourRule.check(requestOf(spec), ctx);
const OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

describe('behaviour rule (config/default.yaml `users`)', () => {
  it('answers busy with 486 and Retry-After (§21.4.24)', () => {
    expect(check({ uri: 'sip:busy@127.0.0.1' })).toMatchObject({ status: 486, headers: [['Retry-After', '90']] });
  });

  it('rings: a 180 first, then 480 with Retry-After after calls.ringMs (§13.3.1.1)', () => {
    const d = check({ uri: 'sip:ringing@127.0.0.1' });
    expect(d).toMatchObject({ status: 480, delayMs: 12_000, headers: [['Retry-After', '90']] });
    expect(d?.provisional?.map((p) => p.status)).toEqual([180]);
  });

  it('gives the 180 a Contact and the request Record-Routes: it creates an early dialog (§12.1.1)', () => {
    const d = check({ uri: 'sip:ringing@127.0.0.1', headers: [['Record-Route', '<sip:p1.example.com;lr>'], ['Record-Route', '<sip:p2.example.com;lr>']] });
    expect(d?.provisional?.[0]?.headers).toEqual([
      ['Record-Route', '<sip:p1.example.com;lr>'],
      ['Record-Route', '<sip:p2.example.com;lr>'],
      ['Contact', '<sip:127.0.0.1:5060>'],
    ]);
  });

  it('answers a non-INVITE to ringing with 480 at once (no provisional for non-INVITE)', () => {
    const d = check({ method: 'MESSAGE', uri: 'sip:ringing@127.0.0.1' });
    expect(d).toMatchObject({ status: 480 });
    expect(d?.provisional).toBeUndefined();
    expect(d?.delayMs).toBeUndefined();
  });

  it('answers slow with 408 after calls.slowMs (§21.4.9)', () => {
    expect(check({ uri: 'sip:slow@127.0.0.1' })).toEqual({ status: 408, delayMs: 3_000 });
  });

  it('answers an INVITE to answer with 200, Contact, Allow, Supported and an SDP answer, creating a dialog (§12.1.1, RFC 3264)', () => {
    const d = check({ uri: 'sip:answer@127.0.0.1', headers: { 'Content-Type': 'application/sdp' }, body: OFFER });
    expect(d?.status).toBe(200);
    expect(d?.dialog).toBe('create');
    expect(d?.headers?.map(([n]) => n)).toEqual(['Contact', 'Allow', 'Supported']);
    expect(d?.body?.type).toBe('application/sdp');
    expect(String(d?.body?.content)).toContain('m=audio 40000 RTP/AVP 0');
    expect(d?.media?.media.port).toBe(40000);
  });

  it('answers an INVITE to answer 486 with Retry-After when every media port is taken (§21.4.24)', () => {
    const full = ruleContext({ config: { media: { portMin: 40000, portMax: 40001 }, catalogue: { retryAfter: 90 } } });
    const media = new MediaService({ clock: new FakeClock(), config: () => full.config, bind: () => new Promise(() => undefined) });
    media.start(40000, undefined, true);
    const d = behaviourRule.check(requestOf({ uri: 'sip:answer@127.0.0.1' }), { ...full, services: { media } } as unknown as RuleContext);
    expect(d).toEqual({ status: 486, headers: [['Retry-After', '90']] });
  });

  it('answers other methods to answer with a plain 200 and no dialog', () => {
    expect(check({ method: 'MESSAGE', uri: 'sip:answer@127.0.0.1' })).toEqual({ status: 200 });
  });

  it.each([
    ['an unknown user', { uri: 'sip:nobody@127.0.0.1' }],
    ['a Request-URI with no user', { method: 'OPTIONS', uri: 'sip:127.0.0.1' }],
    ['an ACK', { method: 'ACK', uri: 'sip:busy@127.0.0.1' }],
    ['a CANCEL', { method: 'CANCEL', uri: 'sip:busy@127.0.0.1' }],
    ['a user named like an Object property', { uri: 'sip:constructor@127.0.0.1' }],
    ['a user of another behaviour rule (gone)', { uri: 'sip:gone@127.0.0.1' }],
  ] as const)('leaves %s to later rules', (_what, spec) => {
    expect(check(spec)).toBeUndefined();
  });

  it('compares the user unescaped and case-sensitively (§19.1.4)', () => {
    expect(check({ uri: 'sip:%62usy@127.0.0.1' })?.status).toBe(486);
    expect(check({ uri: 'sip:Busy@127.0.0.1' })).toBeUndefined();
  });
});

describe('user behaviours: one table, answered at two places in the pipeline', () => {
  const WHO = ['gone', 'forbidden', 'unavailable', 'ambiguous', 'moved'];
  const withUser = (behaviour: string, extra: Record<string, unknown> = {}): RuleContext =>
    ({ ...ctx, config: ruleContext({ config: { users: { carol: { behaviour, contacts: ['sip:x@{host}'], ...extra } }, catalogue: { retryAfter: 90 } } }).config }) as RuleContext;

  it.each(BEHAVIOURS.map((b) => [b]))('answers an INVITE to a %s user from exactly one rule: user for who the user is, behaviour for calls', (behaviour) => {
    const c = withUser(behaviour);
    const req = requestOf({ uri: 'sip:carol@127.0.0.1', headers: { 'Content-Type': 'application/sdp' }, body: OFFER });
    const byUser = userRule.check(req, c);
    const byBehaviour = behaviourRule.check(req, c);
    expect([byUser === undefined, byBehaviour === undefined]).toEqual(WHO.includes(behaviour) ? [false, true] : [true, false]);
  });

  it.each([
    ['busy', 486],
    ['ringing', 480],
  ] as const)("gives a %s user's %i the user's own Retry-After and reason (§20.33)", (behaviour, status) => {
    const d = behaviourRule.check(requestOf({ method: 'MESSAGE', uri: 'sip:carol@127.0.0.1' }), withUser(behaviour, { retryAfter: 7, reason: 'Out To Lunch' }));
    expect(d).toEqual({ status, headers: [['Retry-After', '7']], reason: 'Out To Lunch' });
  });

  it("gives a slow user's 408 the user's reason", () => {
    expect(behaviourRule.check(requestOf({ uri: 'sip:carol@127.0.0.1' }), withUser('slow', { reason: 'Thinking' }))).toEqual({ status: 408, reason: 'Thinking', delayMs: 5_000 });
  });
});
