/**
 * The transaction table bounded by bytes over real UDP on loopback (ephemeral ports): INVITEs with
 * ~20 KB of Via each (which every response copies, RFC 3261 §8.2.6.2) are never ACKed; with a tiny
 * `limits.memory.transactionsBytes` the oldest transactions are ended, /metrics says so, and the
 * server still answers. Every wait is bounded (test-server.ts); the full-size run is
 * `npm run bench:memory` (bench/memory.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startAdmin } from '../../src/admin/admin-server.js';
import { createMetrics, sourcesOf } from '../../src/admin/metrics.js';
import { TX_OVERHEAD_BYTES } from '../../src/transaction/transaction-store.js';
import { startServer } from '../../src/server.js';
import { buildRequest, memoryLogger, testConfig, udpClientFor, uniqueBranch } from '../helpers/index.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const BUDGET = 100_000;
const COUNT = 30;

/** One Via of `n` bytes after `Via: `, as a proxy on the path would have added it. */
const filler = (i: number, n: number) => {
  const head = `SIP/2.0/UDP 192.0.2.${i % 250}:5060;branch=z9hG4bK-proxy-${i};x=`;
  return head + 'p'.repeat(n - head.length);
};

describe('transactions bounded by bytes (limits.memory.transactionsBytes)', () => {
  it('ends the oldest un-ACKed INVITEs once their responses fill the budget, counts them, and still answers', async () => {
    const config = testConfig({ server: { host: '127.0.0.1', port: 0 }, limits: { memory: { transactionsBytes: BUDGET } } });
    const { logger } = memoryLogger('silent');
    const metrics = createMetrics();
    const server = await startServer({ config, logger, observer: metrics.observer });
    stops.push(() => server.close());
    metrics.bind(sourcesOf(server));
    const admin = await startAdmin({ host: '127.0.0.1', port: 0, registry: metrics.registry, state: () => 'ready', logger });
    stops.push(() => admin.close());
    const c = await udpClientFor('127.0.0.1', server.address().port);
    stops.push(() => c.close());

    const vias = Array.from({ length: 40 }, (_, i) => filler(i, 500));
    let responseBytes = 0;
    for (let i = 0; i < COUNT; i++) {
      const invite = buildRequest({ method: 'INVITE', uri: 'sip:486@127.0.0.1', via: [`SIP/2.0/UDP 127.0.0.1:${c.port};branch=${uniqueBranch()};rport`, ...vias] });
      const r = await c.request(invite);
      expect(r.status).toBe(486);
      expect(r.getAll('Via')).toHaveLength(41);
      responseBytes = r.text.length;
    }
    expect(responseBytes).toBeGreaterThan(20_000);
    const options = await c.request(buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1', via: `SIP/2.0/UDP 127.0.0.1:${c.port};branch=${uniqueBranch()};rport` }));
    expect(options.status).toBe(200);

    const res = await fetch(`http://127.0.0.1:${admin.port}/metrics`, { signal: AbortSignal.timeout(2000) });
    const lines = (await res.text()).split('\n');
    const value = (prefix: string) => Number(lines.find((l) => l.startsWith(prefix))?.split(' ')[1]);
    const held = value('sip4xx_table_bytes{table="transactions"}');
    // Each kept INVITE is charged its response, keys and overhead; the OPTIONS (small) is the newest.
    const perInvite = TX_OVERHEAD_BYTES + responseBytes;
    expect(held).toBeLessThanOrEqual(BUDGET);
    expect(held).toBeGreaterThan(BUDGET - 2 * (perInvite + 512));
    const kept = server.core.tables.transactions();
    expect(kept).toBeGreaterThanOrEqual(2);
    expect((kept - 1) * perInvite).toBeLessThanOrEqual(BUDGET);
    expect(value('sip4xx_evictions_total{table="transactions"}')).toBe(COUNT + 1 - kept);
    expect(value('sip4xx_table_bytes{table="dialogs"}')).toBe(0);
  });
});
