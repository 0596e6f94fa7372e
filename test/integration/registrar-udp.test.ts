import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRequest, uniqueBranch, uniqueCallId, type HeaderList } from '../helpers/sip-request.js';
import { startTestServer, type TestServer, type UdpClient } from '../helpers/test-server.js';

let srv: TestServer;
let client: UdpClient;
beforeAll(async () => {
  // auth.methods [] keeps the digest challenge (§22, the auth rule) out of the registrar's way.
  srv = await startTestServer({ config: { auth: { methods: [] }, domains: ['example.com'] } });
  client = await srv.udpClient();
});
afterAll(async () => {
  await srv?.close();
});

/** One UA registering: one Call-ID, CSeq rising (§10.2.4). */
function registrar(user: string) {
  const callId = uniqueCallId();
  let cseq = 0;
  return (headers: HeaderList = {}, opts: { uri?: string; to?: string } = {}) => {
    const via = `SIP/2.0/UDP 127.0.0.1:${client.port};branch=${uniqueBranch()};rport`;
    cseq++;
    const aor = `<sip:${user}@127.0.0.1>`;
    return client.request(buildRequest({ method: 'REGISTER', uri: opts.uri ?? 'sip:127.0.0.1', via, from: `${aor};tag=reg`, to: opts.to ?? aor, callId, cseq, headers }));
  };
}

describe('registrar over UDP (§10.3)', () => {
  it('registers, refuses a too brief interval with 423, lists, and removes with Contact * (§10.3 steps 6-8)', async () => {
    const register = registrar('alice');
    const contact = `<sip:alice@127.0.0.1:${client.port}>`;

    const brief = await register({ Contact: contact, Expires: '30' });
    expect([brief.status, brief.reason, brief.get('Min-Expires')]).toEqual([423, 'Interval Too Brief', '60']);

    const ok = await register({ Contact: contact, Expires: '60' });
    expect([ok.status, ok.getAll('Contact')]).toEqual([200, [`${contact};expires=60`]]);
    expect(ok.get('Date')).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);

    const query = await register();
    expect(query.status).toBe(200);
    expect(query.getAll('Contact')).toHaveLength(1);
    expect(query.get('Contact')).toMatch(new RegExp(`^<sip:alice@127\\.0\\.0\\.1:${client.port}>;expires=(60|59)$`));

    const removed = await register({ Contact: '*', Expires: '0' });
    expect([removed.status, removed.getAll('Contact')]).toEqual([200, []]);
  });

  it('answers 400 to Contact * with a non-zero Expires (§10.3 step 6)', async () => {
    const res = await registrar('bob')({ Contact: '*', Expires: '60' });
    expect(res.status).toBe(400);
  });

  it.each([
    ['an unknown user', 'nobody'],
    ['a user without a password', 'busy'],
  ])('answers 404 to a REGISTER for %s (§10.3 step 5)', async (_what, user) => {
    expect((await registrar(user)({ Contact: `<sip:${user}@127.0.0.1:${client.port}>` })).status).toBe(404);
  });

  it('answers 404 to a REGISTER for a domain not served (§8.2.2.1, §10.3)', async () => {
    const res = await registrar('alice')({ Contact: `<sip:alice@127.0.0.1:${client.port}>` }, { uri: 'sip:example.org', to: '<sip:alice@example.org>' });
    expect(res.status).toBe(404);
    expect(srv.log.withMsg('answered').at(-1)).toMatchObject({ code: 404, rule: 'domain' });
  });

  it('registers for a served domain (§10.3)', async () => {
    const register = registrar('bob');
    const res = await register({ Contact: `<sip:bob@127.0.0.1:${client.port}>` }, { uri: 'sip:example.com', to: '<sip:bob@example.com>' });
    expect([res.status, res.get('Contact')]).toEqual([200, `<sip:bob@127.0.0.1:${client.port}>;expires=3600`]);
    expect((await register({ Contact: '*', Expires: '0' }, { uri: 'sip:example.com', to: '<sip:bob@example.com>' })).status).toBe(200);
  });
});
