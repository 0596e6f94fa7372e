/**
 * The /api control plane over real HTTP, each feature proved by real SIP over UDP and TCP on
 * loopback (ephemeral ports), the server on its default configuration: stubs, sequences, times,
 * priority, scenarios, validation, limits, reset and the OpenAPI description.
 */
import { describe, expect, it } from 'vitest';
import { buildRequest, uniqueBranch } from '../helpers/index.js';
import { harnessPerTest, type ApiHarness } from './api-harness.js';

const harness = harnessPerTest();

const invite = (user: string, extra: Parameters<typeof buildRequest>[0] = {}) => buildRequest({ uri: `sip:${user}@127.0.0.1`, to: `<sip:${user}@127.0.0.1>`, ...extra });

function answeredLines(h: ApiHarness): Record<string, unknown>[] {
  return h.sip.log.lines().filter((l) => l.msg === 'answered');
}

describe('stubs over /api, answered over UDP and TCP', () => {
  it('adds a stub (201 with its id and fields), answers it once (times: 1), logs it by name, then the server answers as before', async () => {
    const h = await harness();
    const body = { name: 'carol busy', priority: 5, match: { method: 'INVITE', user: 'carol' }, respond: { code: 486, reason: 'Busy Test' }, times: 1 };
    const created = await h.call('POST', '/api/stubs', body);
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body).toEqual({ id, ...body, origin: 'api', matches: 0 });
    const busy = await h.sip.udpRequest(invite('carol'));
    expect([busy.status, busy.reason, busy.get('Retry-After')]).toEqual([486, 'Busy Test', '60']); // §21.4.24, catalogue
    expect(answeredLines(h).at(-1)).toMatchObject({ code: 486, rule: 'carol busy', method: 'INVITE' });
    // Expired after one match: gone from the list, and carol (no such user) is 404 again.
    expect((await h.call('GET', '/api/stubs')).body).toEqual({ stubs: [] });
    expect((await h.call('GET', `/api/stubs/${id}`)).status).toBe(404);
    expect((await h.sip.udpRequest(invite('carol'))).status).toBe(404);
  });

  it('matches To/From user, a header regex, Call-ID, body and transport; answers with headers, body and a 183 with SDP first (TCP)', async () => {
    const h = await harness();
    const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
    await h.stub({
      name: 'early media',
      match: { method: 'INVITE', toUser: { equals: 'dave' }, fromUser: '^car', headers: { 'User-Agent': '^Tester/' }, callId: '^em-', body: 'm=audio', transport: 'tcp' },
      respond: {
        code: 480,
        reason: 'Not Today',
        headers: { Warning: '399 sip4xx "stubbed"' },
        body: { type: 'text/plain', content: 'later' },
        provisional: [{ code: 183, body: { type: 'application/sdp', content: sdp } }],
        delayMs: 50,
      },
    });
    const c = await h.sip.tcpConnect();
    const req = (callId: string, ua: string) =>
      buildRequest({
        uri: 'sip:dave@127.0.0.1',
        to: '<sip:dave@127.0.0.1>',
        via: `SIP/2.0/TCP 127.0.0.1:${c.port};branch=${uniqueBranch()}`,
        callId,
        headers: { 'User-Agent': ua, 'Content-Type': 'application/sdp' },
        body: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n',
      });
    await c.write(req('em-1', 'Tester/1.0'));
    const early = await c.receive();
    expect([early.status, early.get('Content-Type'), early.body.toString()]).toEqual([183, 'application/sdp', sdp]);
    expect(early.get('To')).toMatch(/;tag=/);
    expect(early.get('Contact')).toMatch(/^<sip:.*transport=tcp/); // §12.1.1: an early dialog
    const final = await c.receive();
    expect([final.status, final.reason, final.get('Warning'), final.get('Content-Type'), final.body.toString()]).toEqual([
      480,
      'Not Today',
      '399 sip4xx "stubbed"',
      'text/plain',
      'later',
    ]);
    expect(final.get('Retry-After')).toBe('60'); // §21.4.18, filled as the catalogue does
    // Another User-Agent: the stub does not match; dave is no user, so 404.
    await c.write(req('em-2', 'Other/1.0'));
    expect((await c.receive()).status).toBe(404);
    // The same request over UDP: transport tcp does not match.
    expect((await h.sip.udpRequest(invite('dave', { callId: 'em-3', headers: { 'User-Agent': 'Tester/1.0', 'Content-Type': 'application/sdp' }, body: sdp }))).status).toBe(404);
  });

  it('plays a sequence, one step per matching request, the last repeating', async () => {
    const h = await harness();
    await h.stub({ match: { method: 'OPTIONS', user: '^seq$' }, respond: [{ code: 503 }, { code: 480, reason: 'Second' }, { code: 403, reason: 'Last' }] });
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await h.sip.udpRequest(buildRequest({ method: 'OPTIONS', uri: 'sip:seq@127.0.0.1' }));
      seen.push(`${r.status} ${r.reason}`);
    }
    expect(seen).toEqual(['503 Service Unavailable', '480 Second', '403 Last', '403 Last', '403 Last']);
    const list = (await h.call('GET', '/api/stubs')).body as { stubs: { matches: number }[] };
    expect(list.stubs.map((s) => s.matches)).toEqual([5]);
  });
});
