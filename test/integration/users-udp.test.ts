import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAck, buildRequest, uniqueCallId, type RequestSpec } from '../helpers/sip-request.js';
import type { ParsedResponse } from '../helpers/sip-response.js';
import { startTestServer, type TestServer, type UdpClient } from '../helpers/test-server.js';

let srv: TestServer;
let client: UdpClient;
let privateSrv: TestServer;
beforeAll(async () => {
  // auth.methods [] keeps digest challenges (the auth rule) out of these calls.
  srv = await startTestServer({ config: { auth: { methods: [] }, domains: ['example.com'] } });
  privateSrv = await startTestServer({ config: { auth: { methods: [] }, privacy: true } });
  client = await srv.udpClient();
});
afterAll(async () => {
  await srv?.close();
  await privateSrv?.close();
});

let n = 0;
function via(c: UdpClient): string {
  return `SIP/2.0/UDP 127.0.0.1:${c.port};branch=z9hG4bKusers${process.pid}x${++n};rport`;
}

/** A request and its final answer; an INVITE's non-2xx is ACKed so Timer G stops (§17.1.1.3). */
async function call(spec: RequestSpec, c = client): Promise<ParsedResponse> {
  const request = buildRequest({ via: via(c), ...spec });
  const res = await c.request(request);
  if ((spec.method ?? 'INVITE') === 'INVITE' && res.status >= 300) c.send(buildAck(request, res.get('To') ?? ''));
  return res;
}

describe('users and aliases over UDP (§8.2.2.1, §8.3, §21.4)', () => {
  it('answers alice 480 with Retry-After until she registers, then 302 to her Contact (§21.4.18, §8.3)', async () => {
    const before = await call({ uri: 'sip:alice@127.0.0.1' });
    expect([before.status, before.get('Retry-After')]).toEqual([480, '60']);

    const callId = uniqueCallId();
    const contact = `<sip:alice@192.0.2.44:5062>`;
    const aor = '<sip:alice@127.0.0.1>';
    const reg = await call({ method: 'REGISTER', uri: 'sip:127.0.0.1', from: `${aor};tag=r`, to: aor, callId, cseq: 1, headers: { Contact: contact } });
    expect(reg.status).toBe(200);

    const after = await call({ uri: 'sip:alice@127.0.0.1' });
    expect([after.status, after.reason, after.getAll('Contact')]).toEqual([302, 'Moved Temporarily', [contact]]);

    await call({ method: 'REGISTER', uri: 'sip:127.0.0.1', from: `${aor};tag=r`, to: aor, callId, cseq: 2, headers: { Contact: '*', Expires: '0' } });
    expect((await call({ uri: 'sip:alice@127.0.0.1' })).status).toBe(480);
  });

  it.each([
    ['gone', 410, 'Gone', '§21.4.19'],
    ['forbidden', 403, 'Forbidden', '§21.4.4'],
    ['unavailable', 480, 'Temporarily Unavailable', '§21.4.18'],
  ])('answers %s %i %s (%s)', async (user, code, reason) => {
    const res = await call({ uri: `sip:${user}@127.0.0.1` });
    expect([res.status, res.reason]).toEqual([code, reason]);
    if (code === 480) expect(res.get('Retry-After')).toBe('60');
  });

  it('answers ambiguous 485 with a Contact per candidate (§21.4.23)', async () => {
    const res = await call({ uri: `sip:ambiguous@127.0.0.1:${srv.port}` });
    expect(res.status).toBe(485);
    expect(res.getAll('Contact')).toEqual([`<sip:alice@127.0.0.1:${srv.port}>`, `<sip:bob@127.0.0.1:${srv.port}>`]);
  });

  it('answers the alias team 485 with its users as Contacts (§21.4.23)', async () => {
    const res = await call({ method: 'MESSAGE', uri: 'sip:team@127.0.0.1' });
    expect([res.status, res.getAll('Contact')]).toEqual([485, [`<sip:alice@127.0.0.1:${srv.port}>`, `<sip:bob@127.0.0.1:${srv.port}>`]]);
  });

  it.each(['ambiguous', 'team'])('answers %s 404 without candidates when privacy is on (§21.4.23)', async (user) => {
    const c = await privateSrv.udpClient();
    const res = await call({ uri: `sip:${user}@127.0.0.1` }, c);
    expect([res.status, res.getAll('Contact')]).toEqual([404, []]);
  });

  it('answers moved 302 Moved Temporarily to its contact (§21.3.3)', async () => {
    const res = await call({ uri: `sip:moved@127.0.0.1:${srv.port}` });
    expect([res.status, res.reason, res.getAll('Contact')]).toEqual([302, 'Moved Temporarily', [`<sip:answer@127.0.0.1:${srv.port}>`]]);
  });

  it('answers 0123 484 Address Incomplete by the dial plan (§21.4.22)', async () => {
    const res = await call({ uri: 'sip:0123@127.0.0.1' });
    expect([res.status, res.reason]).toEqual([484, 'Address Incomplete']);
  });

  it('answers an INVITE to textonly 405 with Allow: MESSAGE, OPTIONS (§21.4.6)', async () => {
    const res = await call({ uri: 'sip:textonly@127.0.0.1' });
    expect([res.status, res.getAll('Allow')]).toEqual([405, ['MESSAGE, OPTIONS']]);
  });

  it('answers 404 to a request for a domain not served (§8.2.2.1)', async () => {
    const res = await call({ uri: 'sip:busy@example.org' });
    expect(res.status).toBe(404);
    const served = await call({ uri: 'sip:busy@example.com' });
    expect(served.status).toBe(486);
  });
});
