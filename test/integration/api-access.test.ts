/**
 * Access to /api: a bearer token when one is set (in process, admin bound to 0.0.0.0), and a real
 * sip4xx process whose admin endpoint is bound off loopback without a token, which refuses every
 * /api call and says so at start. Every process is killed after its test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startDaemon, type Daemon } from '../helpers/index.js';
import { apiHarness, type ApiHarness } from './api-harness.js';

const open: ApiHarness[] = [];
const daemons: Daemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) d.kill();
  for (const h of open.splice(0)) await h.close();
});

describe('/api access', () => {
  it('with admin.token: 401 with a Bearer challenge without it or with a wrong one, the API with it', async () => {
    const h = await apiHarness({ adminHost: '0.0.0.0', token: 'k9-token' });
    open.push(h);
    const none = await h.call('GET', '/api/stubs');
    expect([none.status, none.headers.get('www-authenticate'), none.text]).toEqual([
      401,
      'Bearer realm="sip4xx"',
      'admin API: a valid bearer token is required (Authorization: Bearer <admin.token>)\n',
    ]);
    expect((await h.call('GET', '/api/stubs', undefined, { Authorization: 'Bearer k9-tokem' })).status).toBe(401);
    const ok = await h.call('GET', '/api/stubs', undefined, { Authorization: 'Bearer k9-token' });
    expect([ok.status, ok.body]).toEqual([200, { stubs: [] }]);
    // /healthz and /metrics stay as they were.
    expect((await fetch(`${h.base}/healthz`, { signal: AbortSignal.timeout(2000) })).status).toBe(200);
  });

  it('a process with admin.host 0.0.0.0 and no token refuses every /api call with 403 and logs why at start', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const d = startDaemon(['--host', '127.0.0.1', '--port', String(port)], {
      SIP4XX_ADMIN__HOST: '0.0.0.0',
      SIP4XX_ADMIN__PORT: String(adminPort),
      SIP4XX_SERVER__TLS__PORT: '0',
      SIP4XX_SERVER__WS__PORT: '0',
      SIP4XX_SERVER__WSS__PORT: '0',
    });
    daemons.push(d);
    const warned = await d.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('admin API refused'));
    expect(warned).toMatchObject({ level: 40, access: 'refused', msg: 'admin API refused: 0.0.0.0 is not loopback and no admin.token (SIP4XX_ADMIN_TOKEN) is set' });
    await d.waitFor((l) => l.msg === 'listening');
    for (const [method, path] of [['GET', '/api/stubs'], ['POST', '/api/reset'], ['GET', '/api/openapi.json']] as const) {
      const r = await fetch(`http://127.0.0.1:${adminPort}${path}`, { method, signal: AbortSignal.timeout(2000) });
      expect([r.status, await r.text()]).toEqual([403, 'admin API refused: 0.0.0.0 is not loopback and no admin.token (SIP4XX_ADMIN_TOKEN) is set\n']);
    }
    expect((await fetch(`http://127.0.0.1:${adminPort}/healthz`, { signal: AbortSignal.timeout(2000) })).status).toBe(200);
  });

  it('a process given SIP4XX_ADMIN_TOKEN serves /api to that bearer token only', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const d = startDaemon(['--host', '127.0.0.1', '--port', String(port)], {
      SIP4XX_ADMIN__PORT: String(adminPort),
      SIP4XX_ADMIN_TOKEN: 'from-env',
      SIP4XX_SERVER__TLS__PORT: '0',
      SIP4XX_SERVER__WS__PORT: '0',
      SIP4XX_SERVER__WSS__PORT: '0',
    });
    daemons.push(d);
    await d.waitFor((l) => l.msg === 'listening');
    const url = `http://127.0.0.1:${adminPort}/api/scenarios`;
    expect((await fetch(url, { signal: AbortSignal.timeout(2000) })).status).toBe(401);
    const ok = await fetch(url, { headers: { Authorization: 'Bearer from-env' }, signal: AbortSignal.timeout(2000) });
    expect([ok.status, await ok.json()]).toEqual([200, { scenarios: {} }]);
  });
});
