import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startAdmin, type AdminServer } from '../../../src/admin/admin-server.js';
import { createMetrics } from '../../../src/admin/metrics.js';

let admin: AdminServer | undefined;
afterEach(async () => {
  await admin?.close();
  admin = undefined;
});

async function get(path: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(`http://127.0.0.1:${admin?.port}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

describe('admin endpoint', () => {
  it('reports 503 on /healthz until the server is ready, 200 once it is, 503 again while draining', async () => {
    let state = 'starting';
    admin = await startAdmin({ host: '127.0.0.1', port: 0, registry: createMetrics().registry, state: () => state, logger: pino({ level: 'silent' }) });
    expect(await get('/healthz')).toMatchObject({ status: 503, body: '{"status":"starting"}' });
    state = 'ready';
    expect(await get('/healthz')).toMatchObject({ status: 200, body: '{"status":"ready"}' });
    state = 'draining';
    expect((await get('/healthz')).status).toBe(503);
  });

  it('serves Prometheus text on /metrics whose counters move with what the core observes', async () => {
    const metrics = createMetrics();
    metrics.bind({ transactions: () => 7, dialogs: () => 2, tcpConnections: () => 3 });
    admin = await startAdmin({ host: '127.0.0.1', port: 0, registry: metrics.registry, state: () => 'ready', logger: pino({ level: 'silent' }) });
    metrics.observer.request('INVITE', 'udp');
    metrics.observer.request('INVITE', 'udp');
    metrics.observer.request('FOO', 'tcp');
    metrics.observer.answered(486, 'behaviour');
    metrics.observer.parseError(400);
    metrics.observer.dropped();
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/plain');
    const lines = res.body.split('\n');
    expect(lines).toContain('sip4xx_requests_total{method="INVITE",transport="udp"} 2');
    // an invented method is counted under "other": label cardinality stays bounded
    expect(lines).toContain('sip4xx_requests_total{method="other",transport="tcp"} 1');
    expect(lines).toContain('sip4xx_responses_total{code="486",rule="behaviour"} 1');
    expect(lines).toContain('sip4xx_parse_errors_total{code="400"} 1');
    expect(lines).toContain('sip4xx_dropped_total 1');
    expect(lines).toContain('sip4xx_transactions 7');
    expect(lines).toContain('sip4xx_dialogs 2');
    expect(lines).toContain('sip4xx_tcp_connections 3');
    expect(res.body).toMatch(/^sip4xx_nodejs_eventloop_lag_seconds \S+$/m);
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    admin = await startAdmin({ host: '127.0.0.1', port: 0, registry: createMetrics().registry, state: () => 'ready', logger: pino({ level: 'silent' }) });
    expect((await get('/nope')).status).toBe(404);
    const res = await fetch(`http://127.0.0.1:${admin.port}/healthz`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});
