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
    metrics.bind({
      transactions: () => 7,
      dialogs: () => 2,
      tcpConnections: () => 3,
      coreStats: () => ({ requests: 9, responses: 8, dropped: 1, parseErrors: 1, retransmissions: 4, absorbedAcks: 5 }),
      evictions: () => ({ transactions: 11, dialogs: 12, nonces: 13, bindings: 0 }),
      udp: () => ({ received: 20, dropped: 2, sent: 18, sendErrors: 1, handlerErrors: 0 }),
      tcp: () => ({ accepted: 6, refused: 3, refusedPerAddress: 2, slowClosed: 1, framingErrors: 1 }),
    });
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
    // Counters the core and transports keep themselves, read at scrape time.
    for (const line of [
      'sip4xx_retransmissions_total 4',
      'sip4xx_acks_absorbed_total 5',
      'sip4xx_evictions_total{table="transactions"} 11',
      'sip4xx_evictions_total{table="dialogs"} 12',
      'sip4xx_evictions_total{table="nonces"} 13',
      'sip4xx_evictions_total{table="bindings"} 0',
      'sip4xx_udp_received_total 20',
      'sip4xx_udp_dropped_total{reason="oversize"} 2',
      'sip4xx_udp_dropped_total{reason="handler_error"} 0',
      'sip4xx_udp_sent_total 18',
      'sip4xx_udp_send_errors_total 1',
      'sip4xx_tcp_connections_accepted_total 6',
      'sip4xx_tcp_connections_refused_total 3',
      'sip4xx_tcp_framing_errors_total 1',
    ]) {
      expect(lines).toContain(line);
    }
    expect(res.body).toMatch(/^sip4xx_nodejs_eventloop_lag_seconds \S+$/m);
  });

  it('reads the counters again at each scrape, and has no transport series while a transport is off', async () => {
    const metrics = createMetrics();
    const stats = { requests: 0, responses: 0, dropped: 0, parseErrors: 0, retransmissions: 0, absorbedAcks: 0 };
    metrics.bind({
      transactions: () => 0,
      dialogs: () => 0,
      tcpConnections: () => 0,
      coreStats: () => stats,
      evictions: () => ({ transactions: 0, dialogs: 0, nonces: 0, bindings: 0 }),
      udp: () => undefined,
      tcp: () => undefined,
    });
    admin = await startAdmin({ host: '127.0.0.1', port: 0, registry: metrics.registry, state: () => 'ready', logger: pino({ level: 'silent' }) });
    expect((await get('/metrics')).body.split('\n')).toContain('sip4xx_retransmissions_total 0');
    stats.retransmissions = 3;
    const lines = (await get('/metrics')).body.split('\n');
    expect(lines).toContain('sip4xx_retransmissions_total 3');
    expect(lines.filter((l) => l.startsWith('sip4xx_udp_dropped_total{'))).toEqual([]);
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    admin = await startAdmin({ host: '127.0.0.1', port: 0, registry: createMetrics().registry, state: () => 'ready', logger: pino({ level: 'silent' }) });
    expect((await get('/nope')).status).toBe(404);
    const res = await fetch(`http://127.0.0.1:${admin.port}/healthz`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });
});
