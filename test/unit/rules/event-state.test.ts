import { describe, expect, it } from 'vitest';
import { eventRule } from '../../../src/rules/event.js';
import { EventService } from '../../../src/events/event-service.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';
import { testConfig } from '../../helpers/config.js';
import { FakeClock } from '../transaction/fake-clock.js';

const PIDF = '<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@127.0.0.1"/>';

function setup(config: Record<string, unknown> = {}) {
  const clock = new FakeClock();
  const events = new EventService({ clock, config: () => testConfig(config), toTag: () => 'ourtag' });
  const ctx = ruleContext({ config, extra: { services: { events } } });
  const flow = ctx.flow as unknown as { sent: { data: Buffer }[] };
  const check = (method: string, headers: Record<string, string>, body?: string, extra: { to?: string; uri?: string } = {}) =>
    eventRule.check(requestOf({ method, uri: extra.uri ?? 'sip:alice@127.0.0.1', headers, ...(extra.to === undefined ? {} : { to: extra.to }), ...(body === undefined ? {} : { body }) }), ctx);
  return { clock, events, check, flow };
}

const PRESENCE = { Event: 'presence', 'Content-Type': 'application/pidf+xml' };

describe('event rule as state compositor (RFC 3903 §6)', () => {
  it('answers an initial PUBLISH 200 with SIP-ETag and the granted Expires (step 6)', () => {
    const { check, events } = setup();
    const d = check('PUBLISH', { ...PRESENCE, Expires: '100000' }, PIDF);
    expect(d?.status).toBe(200);
    const etag = (d?.headers?.[0] as [string, string])[1];
    expect(d?.headers).toEqual([['SIP-ETag', etag], ['Expires', '7200']]);
    expect(events.publications.current('alice', 'presence')?.body.toString()).toBe(PIDF);
  });

  it('refreshes with SIP-If-Match under a new tag; the old tag then gets 412 (steps 3, 6)', () => {
    const { check } = setup();
    const etag = (check('PUBLISH', PRESENCE, PIDF)?.headers?.[0] as [string, string])[1];
    const refreshed = check('PUBLISH', { Event: 'presence', 'SIP-If-Match': etag });
    expect(refreshed?.status).toBe(200);
    expect((refreshed?.headers?.[0] as [string, string])[1]).not.toBe(etag);
    expect(refreshed?.headers?.[1]).toEqual(['Expires', '3600']);
    expect(check('PUBLISH', { Event: 'presence', 'SIP-If-Match': etag })).toEqual({ status: 412, headers: undefined, reason: undefined });
  });

  it('removes with Expires 0 and answers Expires: 0 (Table 1: Remove)', () => {
    const { check, events } = setup();
    const etag = (check('PUBLISH', PRESENCE, PIDF)?.headers?.[0] as [string, string])[1];
    expect(check('PUBLISH', { Event: 'presence', 'SIP-If-Match': etag, Expires: '0' })).toEqual({ status: 200, headers: [['SIP-ETag', etag], ['Expires', '0']] });
    expect(events.publications.size).toBe(0);
  });

  it.each([
    ['Expires below events.minExpires', { ...PRESENCE, Expires: '59' }, PIDF, { status: 423, headers: [['Min-Expires', '60']], reason: undefined }],
    ['no body and no SIP-If-Match', { Event: 'presence' }, undefined, { status: 400, headers: undefined, reason: 'Missing Body in Initial PUBLISH' }],
    ['a body not of the package', { Event: 'presence', 'Content-Type': 'text/plain' }, 'hi', { status: 415, headers: [['Accept', 'application/pidf+xml']], reason: undefined }],
    ['an unknown Content-Encoding', { ...PRESENCE, 'Content-Encoding': 'gzip' }, PIDF, { status: 415, headers: [['Accept-Encoding', 'identity']], reason: undefined }],
    ['two entity-tags', { Event: 'presence', 'SIP-If-Match': 'a, b' }, undefined, { status: 400, headers: undefined, reason: 'Invalid SIP-If-Match header field' }],
  ])('refuses %s', (_what, headers, body, decision) => {
    const { check, events } = setup();
    expect(check('PUBLISH', headers, body)).toEqual(decision);
    expect(events.publications.size).toBe(0);
  });

  it('answers 503 with Retry-After when the store is full, storing nothing', () => {
    const { check } = setup({ events: { maxPublications: 1 } });
    expect(check('PUBLISH', PRESENCE, PIDF)?.status).toBe(200);
    expect(check('PUBLISH', PRESENCE, PIDF)).toEqual({ status: 503, headers: [['Retry-After', '60']], reason: 'Publication Store Full' });
  });
});

describe('event rule as notifier (RFC 6665 §4.2)', () => {
  const SUB = { Event: 'presence', Contact: '<sip:carol@127.0.0.1:5070>' };

  it('accepts with 200, Expires and Contact, then sends the NOTIFY once the 200 is out (§4.2.1.1)', () => {
    const { check, clock, flow, events } = setup();
    expect(check('SUBSCRIBE', { ...SUB, Expires: '600' })).toEqual({ status: 200, headers: [['Expires', '600'], ['Contact', '<sip:127.0.0.1:5060>']] });
    expect(flow.sent).toHaveLength(0);
    clock.tick(0);
    expect(flow.sent).toHaveLength(1);
    const notify = (flow.sent[0] as { data: Buffer }).data.toString('latin1');
    expect(notify.startsWith('NOTIFY sip:carol@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK')).toBe(true);
    expect(notify).toContain('\r\nFrom: <sip:bob@127.0.0.1>;tag=ourtag\r\n'); // the SUBSCRIBE's To, our tag added
    expect(notify).toContain('\r\nSubscription-State: active;expires=600\r\n');
    expect(events.subscriptions.size).toBe(1);
  });

  it('answers a fetch (Expires 0) with 200 and a terminating NOTIFY (§4.2.1.4)', () => {
    const { check, clock, flow } = setup();
    expect(check('SUBSCRIBE', { ...SUB, Expires: '0' })?.headers?.[0]).toEqual(['Expires', '0']);
    clock.tick(0);
    expect((flow.sent[0] as { data: Buffer }).data.toString('latin1')).toContain('\r\nSubscription-State: terminated;reason=timeout\r\n');
  });

  it.each([
    ['no Contact', { Event: 'presence' }, { status: 400, headers: undefined, reason: 'Missing Contact header field' }],
    ['Expires below events.minExpires', { ...SUB, Expires: '30' }, { status: 423, headers: [['Min-Expires', '60']], reason: undefined }],
  ])('refuses a SUBSCRIBE with %s', (_what, headers, decision) => {
    const { check, events } = setup();
    expect(check('SUBSCRIBE', headers)).toEqual(decision);
    expect(events.subscriptions.size).toBe(0);
  });

  it('answers 481 to a SUBSCRIBE refresh in a dialog it does not hold (§4.2.1.2)', () => {
    const { check } = setup();
    expect(check('SUBSCRIBE', SUB, undefined, { to: '<sip:alice@127.0.0.1>;tag=nope' })?.status).toBe(481);
  });
});
