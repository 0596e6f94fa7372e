import { describe, expect, it } from 'vitest';
import { NotifyClient } from '../../../src/events/notify-client.js';
import { SubscriptionStore, type NewSubscription } from '../../../src/events/subscriptions.js';
import type { EventBody } from '../../../src/events/packages.js';
import { FakeClock } from '../transaction/fake-clock.js';

const TIMERS = { t1: 500, t2: 4000, t4: 5000 };
const ID = { callId: 'c1@test', localTag: 'ourtag', remoteTag: 'theirtag' };

function setup(opts: { reliable?: boolean; published?: EventBody; limits?: { maxSubscriptions: number; maxBytes: number } } = {}) {
  const clock = new FakeClock();
  const sent: { text: string; at: number; to: string }[] = [];
  const client = new NotifyClient(clock, () => TIMERS);
  const subs = new SubscriptionStore(clock, () => opts.limits ?? { maxSubscriptions: 10, maxBytes: 100000 }, client, () => opts.published);
  const sub: NewSubscription = {
    id: ID,
    dialog: {
      target: 'sip:carol@127.0.0.1:5070',
      routes: [],
      from: '<sip:alice@127.0.0.1>;tag=ourtag',
      to: '"Carol" <sip:carol@127.0.0.1>;tag=theirtag',
      callId: 'c1@test',
      viaTransport: 'UDP',
      sentBy: '127.0.0.1:5060',
      contact: '<sip:alice@127.0.0.1:5060>',
      event: 'presence',
    },
    route: {
      send: (data, to) => sent.push({ text: data.toString('latin1'), at: clock.now(), to: `${to.address}:${to.port}` }),
      to: { address: '127.0.0.1', port: 5070 },
      reliable: opts.reliable ?? false,
    },
    pkg: 'presence',
    aor: 'alice',
    entity: 'sip:alice@127.0.0.1',
  };
  return { clock, sent, client, subs, sub };
}

const branchOf = (text: string): string => /;branch=(z9hG4bK[0-9a-f]{24});rport\r\n/.exec(text)?.[1] ?? '';

const PIDF =
  '<?xml version="1.0" encoding="UTF-8"?>\r\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@127.0.0.1"/>\r\n';

describe('SubscriptionStore and its NOTIFYs (RFC 6665 §4.2, RFC 3261 §17.1.2)', () => {
  it('sends the first NOTIFY right after accepting, with every header of a request in the dialog (§4.2.1.1, §12.2.1.1)', () => {
    const { clock, sent, subs, sub } = setup();
    expect(subs.subscribe(sub, 3600)).toBe('ok');
    expect(sent).toHaveLength(0); // the 200 goes first
    clock.tick(0);
    expect(sent).toHaveLength(1);
    const text = (sent[0] as { text: string }).text;
    const branch = branchOf(text);
    expect(branch).not.toBe('');
    expect(text).toBe(
      [
        'NOTIFY sip:carol@127.0.0.1:5070 SIP/2.0',
        `Via: SIP/2.0/UDP 127.0.0.1:5060;branch=${branch};rport`,
        'Max-Forwards: 70',
        'From: <sip:alice@127.0.0.1>;tag=ourtag',
        'To: "Carol" <sip:carol@127.0.0.1>;tag=theirtag',
        'Call-ID: c1@test',
        'CSeq: 1 NOTIFY',
        'Contact: <sip:alice@127.0.0.1:5060>',
        'Event: presence',
        'Subscription-State: active;expires=3600',
        'Content-Type: application/pidf+xml',
        `Content-Length: ${Buffer.byteLength(PIDF)}`,
        '',
        PIDF,
      ].join('\r\n'),
    );
    expect((sent[0] as { to: string }).to).toBe('127.0.0.1:5070');
  });

  it('retransmits over UDP at T1, 2·T1, 4·T1, then every T2, until Timer F (§17.1.2.2)', () => {
    const { clock, sent, subs, sub, client } = setup();
    subs.subscribe(sub, 3600);
    clock.tick(0);
    clock.tick(64 * 500 - 1);
    expect(sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(new Set(sent.map((s) => s.text)).size).toBe(1); // byte-identical retransmissions
    expect(client.size).toBe(1);
    clock.tick(1);
    // Timer F: the NOTIFY failed, so the subscription ends (RFC 6665 §4.2.2).
    expect(client.size).toBe(0);
    expect(subs.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('stops retransmitting on the 200 and keeps the subscription', () => {
    const { clock, sent, subs, sub, client } = setup();
    subs.subscribe(sub, 3600);
    clock.tick(600);
    expect(sent).toHaveLength(2);
    expect(client.onResponse(branchOf((sent[0] as { text: string }).text), 200)).toBe(true);
    clock.tick(40_000);
    expect(sent).toHaveLength(2);
    expect(subs.has(ID)).toBe(true);
    expect(client.onResponse('z9hG4bKother', 200)).toBe(false);
  });

  it('retransmits every T2 after a provisional response (Proceeding)', () => {
    const { clock, sent, subs, sub, client } = setup();
    subs.subscribe(sub, 3600);
    clock.tick(0);
    client.onResponse(branchOf((sent[0] as { text: string }).text), 100);
    clock.tick(500 + 4000 + 4000);
    expect(sent.map((s) => s.at)).toEqual([0, 500, 4500, 8500]);
  });

  it('does not retransmit over TCP, and Timer F still ends the transaction', () => {
    const { clock, sent, subs, sub, client } = setup({ reliable: true });
    subs.subscribe(sub, 3600);
    clock.tick(31_999);
    expect(sent).toHaveLength(1);
    expect(client.size).toBe(1);
    clock.tick(1);
    expect(client.size).toBe(0);
  });

  it('ends the subscription when its NOTIFY gets 481 (RFC 6665 §4.2.2)', () => {
    const { clock, sent, subs, sub, client } = setup();
    subs.subscribe(sub, 3600);
    clock.tick(0);
    client.onResponse(branchOf((sent[0] as { text: string }).text), 481);
    expect(subs.size).toBe(0);
  });

  it('on expiry sends "terminated;reason=timeout" with a new CSeq and branch, then forgets the subscription', () => {
    const { clock, sent, subs, sub, client } = setup();
    subs.subscribe(sub, 60);
    clock.tick(0);
    client.onResponse(branchOf((sent[0] as { text: string }).text), 200);
    clock.tick(60_000);
    expect(sent).toHaveLength(2);
    const last = (sent[1] as { text: string }).text;
    expect(last).toContain('\r\nCSeq: 2 NOTIFY\r\n');
    expect(last).toContain('\r\nSubscription-State: terminated;reason=timeout\r\n');
    expect(branchOf(last)).not.toBe(branchOf((sent[0] as { text: string }).text));
    expect(subs.has(ID)).toBe(false);
    expect(subs.size).toBe(1); // still owed the answer to its last NOTIFY
    client.onResponse(branchOf(last), 200);
    expect(subs.size).toBe(0);
    expect(subs.heldBytes).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a refresh sends a NOTIFY with the new expiry; Expires 0 sends the terminating one (§4.2.1.2, §4.2.1.4)', () => {
    const { clock, sent, subs, sub, client } = setup();
    subs.subscribe(sub, 3600);
    clock.tick(0);
    client.onResponse(branchOf((sent[0] as { text: string }).text), 200);
    clock.tick(1000);
    expect(subs.refresh(ID, 1800)).toBe(true);
    clock.tick(0);
    expect((sent[1] as { text: string }).text).toContain('\r\nSubscription-State: active;expires=1800\r\n');
    client.onResponse(branchOf((sent[1] as { text: string }).text), 200);
    expect(subs.refresh(ID, 0)).toBe(true);
    clock.tick(0);
    expect((sent[2] as { text: string }).text).toContain('\r\nCSeq: 3 NOTIFY\r\nContact: <sip:alice@127.0.0.1:5060>\r\nEvent: presence\r\nSubscription-State: terminated;reason=timeout\r\n');
    expect(subs.refresh(ID, 3600)).toBe(false);
    expect(subs.refresh({ ...ID, remoteTag: 'x' }, 3600)).toBe(false);
  });

  it('carries the published state of the resource when there is one (RFC 3903 §1)', () => {
    const published = { type: 'application/pidf+xml', body: Buffer.from('<presence entity="sip:alice@x"><tuple id="t"/></presence>') };
    const { clock, sent, subs, sub } = setup({ published });
    subs.subscribe(sub, 3600);
    clock.tick(0);
    expect((sent[0] as { text: string }).text.endsWith('\r\n\r\n<presence entity="sip:alice@x"><tuple id="t"/></presence>')).toBe(true);
  });

  it('is bounded by count and bytes', () => {
    const byCount = setup({ limits: { maxSubscriptions: 1, maxBytes: 100000 } });
    expect(byCount.subs.subscribe(byCount.sub, 60)).toBe('ok');
    expect(byCount.subs.subscribe({ ...byCount.sub, id: { ...ID, remoteTag: 'other' } }, 60)).toBe('full');
    const byBytes = setup({ limits: { maxSubscriptions: 10, maxBytes: 200 } });
    expect(byBytes.subs.subscribe(byBytes.sub, 60)).toBe('full');
    expect(byBytes.subs.size).toBe(0);
  });
});
