/**
 * Scenarios, priority, reset, validation, limits and the OpenAPI description of /api, each proved
 * over real HTTP and real SIP (UDP, TCP) on loopback against the default configuration.
 */
import { describe, expect, it } from 'vitest';
import { buildRequest, digestParams, uniqueBranch, uniqueCallId } from '../helpers/index.js';
import { answerChallenge } from '../unit/auth/digest-client.js';
import { harnessPerTest } from './api-harness.js';

const harness = harnessPerTest();

const options = (user: string) => buildRequest({ method: 'OPTIONS', uri: `sip:${user}@127.0.0.1`, to: `<sip:${user}@127.0.0.1>` });

describe('scenarios', () => {
  it('REGISTER → 401 → 423 → 200: each stub requires a state and moves the scenario on (TCP)', async () => {
    const h = await harness();
    const scenario = (requiredState: string, newState: string) => ({ name: 'reg', requiredState, newState });
    await h.stub({ match: { method: 'REGISTER', fromUser: '^eve$' }, scenario: scenario('Started', 'challenged'), respond: { code: 401 } });
    await h.stub({ match: { method: 'REGISTER', fromUser: '^eve$' }, scenario: scenario('challenged', 'too-brief'), respond: { code: 423 } });
    await h.stub({ match: { method: 'REGISTER', fromUser: '^eve$' }, scenario: scenario('too-brief', 'registered'), respond: { code: 200, headers: { Expires: '3600' } } });
    expect((await h.call('GET', '/api/scenarios')).body).toEqual({ scenarios: { reg: 'Started' } });
    const c = await h.sip.tcpConnect();
    const callId = uniqueCallId();
    const seen: string[] = [];
    for (let cseq = 1; cseq <= 4; cseq++) {
      const r = await c.request(
        buildRequest({
          method: 'REGISTER',
          uri: 'sip:127.0.0.1',
          via: `SIP/2.0/TCP 127.0.0.1:${c.port};branch=${uniqueBranch()}`,
          from: '<sip:eve@127.0.0.1>;tag=e1',
          to: '<sip:eve@127.0.0.1>',
          callId,
          cseq,
          headers: { Contact: `<sip:eve@127.0.0.1:${c.port};transport=tcp>` },
        }),
      );
      seen.push(`${r.status} ${r.get('WWW-Authenticate') !== undefined ? 'challenge' : ''}${r.get('Min-Expires') ?? ''}${r.get('Expires') ?? ''}`);
    }
    // 401 carries the challenge and 423 Min-Expires, as the catalogue fills them (§22.1, §10.3);
    // past the last state no stub matches: eve is unknown to the registrar (404).
    expect(seen).toEqual(['401 challenge', '423 60', '200 3600', '404 ']);
    expect((await h.call('GET', '/api/scenarios')).body).toEqual({ scenarios: { reg: 'registered' } });
  });

  it('INVITE 503 until a REGISTER was seen: a stub without respond only moves the scenario; PUT and reset move it back (UDP)', async () => {
    const h = await harness();
    await h.stub({ name: 'not yet', match: { method: 'INVITE', user: '^busy$' }, scenario: { name: 'boot', requiredState: 'Started' }, respond: { code: 503, headers: { 'Retry-After': '7' } } });
    await h.stub({ name: 'saw register', match: { method: 'REGISTER' }, scenario: { name: 'boot', newState: 'registered' } });
    const call = async () => {
      const r = await h.sip.udpRequest(buildRequest({ uri: 'sip:busy@127.0.0.1', to: '<sip:busy@127.0.0.1>' }));
      return `${r.status} ${r.get('Retry-After')}`;
    };
    expect(await call()).toBe('503 7');
    // The REGISTER still reaches the registrar (404: no such AOR) after moving the scenario.
    const reg = await h.sip.udpRequest(buildRequest({ method: 'REGISTER', uri: 'sip:127.0.0.1', from: '<sip:zed@127.0.0.1>;tag=z', to: '<sip:zed@127.0.0.1>' }));
    expect(reg.status).toBe(404);
    expect(await call()).toBe('486 60'); // the busy user, as configured
    expect((await h.call('PUT', '/api/scenarios/boot', { state: 'Started' })).body).toEqual({ name: 'boot', state: 'Started' });
    expect(await call()).toBe('503 7');
    await h.sip.udpRequest(buildRequest({ method: 'REGISTER', uri: 'sip:127.0.0.1', from: '<sip:zed@127.0.0.1>;tag=z', to: '<sip:zed@127.0.0.1>' }));
    expect((await h.call('POST', '/api/scenarios/reset')).body).toEqual({ scenarios: { boot: 'Started' } });
    expect(await call()).toBe('503 7');
    expect((await h.call('PUT', '/api/scenarios/boot', { state: '' })).status).toBe(400);
  });
});

describe('priority', () => {
  it('lower priority wins whatever the order; among equals the newest', async () => {
    const h = await harness();
    await h.stub({ name: 'p1', priority: 1, match: { user: '^p$' }, respond: { code: 480 } });
    await h.stub({ name: 'p2', priority: 2, match: { user: '^p$' }, respond: { code: 403 } });
    expect((await h.sip.udpRequest(options('p'))).status).toBe(480);
    await h.stub({ name: 'p1 newer', priority: 1, match: { user: '^p$' }, respond: { code: 410 } });
    expect((await h.sip.udpRequest(options('p'))).status).toBe(410);
    const names = ((await h.call('GET', '/api/stubs')).body as { stubs: { name: string }[] }).stubs.map((s) => s.name);
    expect(names).toEqual(['p1 newer', 'p1', 'p2']);
  });
});

describe('reset and limits', () => {
  it('POST /api/reset: API stubs, match counts, scenarios, journal and registrations back to the configured start', async () => {
    const h = await harness({ config: { rules: [{ name: 'configured', match: { user: '^conf$' }, respond: [{ code: 480 }, { code: 403 }] }] } });
    await h.stub({ match: { user: '^api$' }, respond: { code: 410 } });
    await h.call('PUT', '/api/scenarios/x', { state: 'moved' });
    expect((await h.sip.udpRequest(options('conf'))).status).toBe(480);
    // alice registers through the digest challenge.
    const c = await h.sip.udpClient();
    const callId = uniqueCallId();
    const register = (cseq: number, headers: [string, string][] = []) =>
      buildRequest({
        method: 'REGISTER',
        uri: 'sip:127.0.0.1',
        via: `SIP/2.0/UDP 127.0.0.1:${c.port};branch=${uniqueBranch()};rport`,
        from: '<sip:alice@127.0.0.1>;tag=a',
        to: '<sip:alice@127.0.0.1>',
        callId,
        cseq,
        headers: [['Contact', `<sip:alice@127.0.0.1:${c.port}>`], ...headers],
      });
    const challenge = await c.request(register(1));
    const credentials = answerChallenge(digestParams(challenge.get('WWW-Authenticate') ?? ''), { method: 'REGISTER', uri: 'sip:127.0.0.1' });
    expect((await c.request(register(2, [['Authorization', credentials]]))).status).toBe(200);
    expect(h.sip.server.core.services.registrar.size).toBe(1);

    expect((await h.call('POST', '/api/reset')).body).toEqual({ reset: true });
    const stubs = ((await h.call('GET', '/api/stubs')).body as { stubs: { id: string; matches: number; origin: string }[] }).stubs;
    expect(stubs).toEqual([{ id: 'rule#0', name: 'configured', match: { user: '^conf$' }, respond: [{ code: 480 }, { code: 403 }], origin: 'config', matches: 0 }]);
    expect((await h.call('GET', '/api/scenarios')).body).toEqual({ scenarios: {} });
    expect(h.sip.server.core.services.registrar.size).toBe(0);
    expect(h.sip.server.journal.size).toBe(0);
    expect((await h.sip.udpRequest(options('conf'))).status).toBe(480); // the sequence starts again
    expect((await h.sip.udpRequest(options('api'))).status).toBe(404);
  });

  it('refuses an invalid stub with 400 naming every problem, a body over 64 KiB with 413, and stubs past admin.maxStubs with 507', async () => {
    const h = await harness({ config: { admin: { maxStubs: 1 } } });
    const bad = await h.call('POST', '/api/stubs', { match: { method: 'IN VITE', user: '(' , bogus: 1 }, respond: { code: 99 }, times: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: 'invalid stub',
      problems: [
        'match.method: must be a SIP token',
        'match.user: must be a valid regular expression',
        'match: Unrecognized key: "bogus"',
        'respond.code: Too small: expected number to be >=200',
        'times: Too small: expected number to be >=1',
      ],
    });
    expect((await h.call('POST', '/api/stubs', 'not json')).body).toEqual({ error: 'request body is not JSON' });
    const big = await h.call('POST', '/api/stubs', { name: 'x'.repeat(70_000), respond: { code: 486 } });
    expect([big.status, big.body]).toEqual([413, { error: 'request body over 65536 bytes' }]);
    await h.stub({ respond: { code: 486 }, match: { user: '^one$' } });
    const full = await h.call('POST', '/api/stubs', { respond: { code: 486 } });
    expect([full.status, full.body]).toEqual([507, { error: 'stub limit reached: 1 stubs (admin.maxStubs); delete some first' }]);
    expect((await h.call('DELETE', '/api/stubs')).body).toEqual({ deleted: 1 });
    expect((await h.call('GET', '/api/nothing')).status).toBe(404);
  });
});

describe('the API describes itself', () => {
  it('GET /api/openapi.json: OpenAPI 3.1 whose Stub schema is generated from the stub zod schema', async () => {
    const h = await harness();
    const r = await h.call('GET', '/api/openapi.json');
    const doc = r.body as { openapi: string; paths: Record<string, unknown>; components: { schemas: { Stub: { properties: Record<string, unknown>; additionalProperties: boolean } } } };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/stubs', '/api/stubs/{id}', '/api/scenarios', '/api/scenarios/{name}', '/api/reset', '/api/requests']));
    expect(Object.keys(doc.components.schemas.Stub.properties)).toEqual(['name', 'priority', 'match', 'respond', 'times', 'scenario']);
    expect(doc.components.schemas.Stub.additionalProperties).toBe(false);
    const page = await h.call('GET', '/api/docs');
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<code>/api/stubs/{id}</code>');
    expect(page.text).not.toMatch(/<script|(?:src|href)="https?:/); // nothing loaded from elsewhere
  });
});
