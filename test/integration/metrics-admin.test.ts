/**
 * /metrics of a real admin HTTP server in front of a real SIP server on loopback (ephemeral ports),
 * wired as main.ts wires them (createMetrics, sourcesOf): each counter the core and the transports
 * keep is provoked over UDP, then scraped. Every wait is bounded (test-server.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startAdmin, type AdminServer } from '../../src/admin/admin-server.js';
import { createMetrics, sourcesOf } from '../../src/admin/metrics.js';
import { startServer, type Sip4xxServer } from '../../src/server.js';
import { buildAck, buildRequest, digestParams, memoryLogger, testConfig, udpClientFor, uniqueBranch, uniqueCallId, type ConfigOverrides } from '../helpers/index.js';
import { answerChallenge } from '../unit/auth/digest-client.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

interface Scraped {
  readonly server: Sip4xxServer;
  scrape(): Promise<string[]>;
}

async function serverWithMetrics(overrides: ConfigOverrides = {}): Promise<Scraped> {
  const config = testConfig({ ...overrides, server: { host: '127.0.0.1', port: 0 } });
  const { logger } = memoryLogger('silent');
  const metrics = createMetrics();
  const server = await startServer({ config, logger, observer: metrics.observer });
  stops.push(() => server.close());
  metrics.bind(sourcesOf(server));
  const admin: AdminServer = await startAdmin({ host: '127.0.0.1', port: 0, registry: metrics.registry, state: () => 'ready', logger });
  stops.push(() => admin.close());
  return {
    server,
    async scrape() {
      const res = await fetch(`http://127.0.0.1:${admin.port}/metrics`, { signal: AbortSignal.timeout(2000) });
      expect(res.status).toBe(200);
      return (await res.text()).split('\n');
    },
  };
}

async function client(server: Sip4xxServer) {
  const c = await udpClientFor('127.0.0.1', server.address().port);
  stops.push(() => c.close());
  return c;
}

describe('/metrics counts what the core and the transports see', () => {
  it('a retransmitted request: sip4xx_retransmissions_total, the same response again (§17.2.2)', async () => {
    const s = await serverWithMetrics();
    const c = await client(s.server);
    const options = buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1', via: `SIP/2.0/UDP 127.0.0.1:${c.port};branch=${uniqueBranch()};rport` });
    const first = await c.request(options);
    const again = await c.request(options);
    expect([first.status, again.status]).toEqual([200, 200]);
    const lines = await s.scrape();
    expect(lines).toContain('sip4xx_retransmissions_total 1');
    expect(lines).toContain('sip4xx_acks_absorbed_total 0');
    expect(lines).toContain('sip4xx_udp_received_total 2');
    expect(lines).toContain('sip4xx_udp_sent_total 2');
  });

  it('an ACK to a 486: sip4xx_acks_absorbed_total (§17.2.1)', async () => {
    const s = await serverWithMetrics();
    const c = await client(s.server);
    const invite = buildRequest({ uri: 'sip:486@127.0.0.1', via: `SIP/2.0/UDP 127.0.0.1:${c.port};branch=${uniqueBranch()};rport` });
    const busy = await c.request(invite);
    expect(busy.status).toBe(486);
    c.send(buildAck(invite, busy.get('To') ?? ''));
    await expect.poll(() => s.server.core.stats.absorbedAcks, { timeout: 2000 }).toBe(1);
    expect(await s.scrape()).toContain('sip4xx_acks_absorbed_total 1');
  });

  it('a datagram over limits.maxUdpMessageBytes: sip4xx_udp_dropped_total{reason="oversize"}, never answered', async () => {
    const s = await serverWithMetrics({ limits: { maxUdpMessageBytes: 1000 } });
    const c = await client(s.server);
    c.send(buildRequest({ method: 'MESSAGE', uri: 'sip:textonly@127.0.0.1', headers: { 'Content-Type': 'text/plain' }, body: 'x'.repeat(1500) }));
    await expect(c.receive(300)).rejects.toThrow(/no UDP response/);
    const lines = await s.scrape();
    expect(lines).toContain('sip4xx_udp_dropped_total{reason="oversize"} 1');
    expect(lines).toContain('sip4xx_udp_dropped_total{reason="handler_error"} 0');
    expect(lines).toContain('sip4xx_udp_received_total 1');
  });

  it('tables at their bound: sip4xx_evictions_total{table} for transactions and dialogs', async () => {
    const s = await serverWithMetrics({ transactions: { maxTransactions: 1, maxDialogs: 1 } });
    const c = await client(s.server);
    const via = () => `SIP/2.0/UDP 127.0.0.1:${c.port};branch=${uniqueBranch()};rport`;
    // Three OPTIONS: each lives on after its 200 (Timer J, §17.2.2), so the second and third each
    // end the one before to stay within one transaction.
    for (let i = 0; i < 3; i++) expect((await c.request(buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1', via: via() }))).status).toBe(200);
    let lines = await s.scrape();
    expect(lines).toContain('sip4xx_evictions_total{table="transactions"} 2');
    expect(lines).toContain('sip4xx_evictions_total{table="dialogs"} 0');

    // Two answered calls: the second dialog ends the first (and takes the transaction slot too).
    for (let i = 0; i < 2; i++) expect((await c.request(buildRequest({ uri: 'sip:answer@127.0.0.1', via: via() }))).status).toBe(200);
    lines = await s.scrape();
    expect(lines).toContain('sip4xx_evictions_total{table="dialogs"} 1');
    expect(lines).toContain('sip4xx_evictions_total{table="transactions"} 4');
  });

  it('a nonce-count table at its bound: sip4xx_evictions_total{table="nonces"} (RFC 7616 §3.4)', async () => {
    const s = await serverWithMetrics({ auth: { maxNonces: 1 } });
    const c = await client(s.server);
    // Two REGISTERs of alice, each through its own 401 and nonce: the second nonce-count pushes
    // the first out of a table of one.
    for (let i = 0; i < 2; i++) {
      const callId = uniqueCallId();
      const register = (cseq: number, headers: [string, string][] = []) =>
        buildRequest({
          method: 'REGISTER',
          uri: 'sip:127.0.0.1',
          via: `SIP/2.0/UDP 127.0.0.1:${c.port};branch=${uniqueBranch()};rport`,
          from: `<sip:alice@127.0.0.1>;tag=n${i}`,
          to: '<sip:alice@127.0.0.1>',
          callId,
          cseq,
          headers: [['Contact', `<sip:alice@127.0.0.1:${c.port}>`], ['Expires', '300'], ...headers],
        });
      const challenge = await c.request(register(1));
      expect(challenge.status).toBe(401);
      const credentials = answerChallenge(digestParams(challenge.get('WWW-Authenticate') ?? ''), { method: 'REGISTER', uri: 'sip:127.0.0.1' });
      expect((await c.request(register(2, [['Authorization', credentials]]))).status).toBe(200);
    }
    const lines = await s.scrape();
    expect(lines).toContain('sip4xx_evictions_total{table="nonces"} 1');
    // Bindings are bounded by refusing a REGISTER (403), never by dropping one.
    expect(lines).toContain('sip4xx_evictions_total{table="bindings"} 0');
  });
});
