/**
 * The request journal over real sockets: a real SIP server on loopback (UDP and TCP, ephemeral
 * ports) behind the real admin HTTP server with its /api router, wired as main.ts wires them.
 * Every wait is bounded (test-server.ts, AbortSignal timeouts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startAdmin, type AdminServer } from '../../src/admin/admin-server.js';
import { controlPlaneOf } from '../../src/admin/api/control.js';
import { createMetrics, sourcesOf } from '../../src/admin/metrics.js';
import type { EntryJson } from '../../src/journal/query.js';
import { buildRequest, defaultVia, startTestServer, uniqueCallId, type ConfigOverrides, type TestServer } from '../helpers/index.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

interface Setup {
  readonly srv: TestServer;
  readonly base: string;
  get(path: string): Promise<{ status: number; body: unknown }>;
  requests(query?: string): Promise<EntryJson[]>;
}

async function setup(config: ConfigOverrides = {}): Promise<Setup> {
  const srv = await startTestServer({ config });
  stops.push(() => srv.close());
  const metrics = createMetrics();
  metrics.bind(sourcesOf(srv.server));
  const admin: AdminServer = await startAdmin({
    host: '127.0.0.1',
    port: 0,
    registry: metrics.registry,
    state: () => 'ready',
    logger: srv.log.logger,
    api: { host: '127.0.0.1', token: () => '', control: () => controlPlaneOf(srv.server) },
  });
  stops.push(() => admin.close());
  const base = `http://127.0.0.1:${admin.port}`;
  const get = async (path: string) => {
    const res = await fetch(base + path, { signal: AbortSignal.timeout(2000) });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  return {
    srv,
    base,
    get,
    async requests(query = '') {
      const r = await get(`/api/requests${query}`);
      expect(r.status).toBe(200);
      return (r.body as { requests: EntryJson[] }).requests;
    },
  };
}

const FROM = '<sip:zed@127.0.0.1>;tag=zz1';

describe('journal API over real sockets', () => {
  it('records a UDP INVITE with the exact bytes both ways, the rule, and its source', async () => {
    const { srv, requests } = await setup();
    const client = await srv.udpClient();
    const callId = uniqueCallId();
    const invite = buildRequest({ method: 'INVITE', uri: `sip:486@127.0.0.1`, callId, from: FROM, via: defaultVia('UDP', `127.0.0.1:${client.port}`) });
    const res = await client.request(invite);
    expect(res.status).toBe(486);
    const [e] = await requests(`?callId=${encodeURIComponent(callId)}`);
    expect(e).toMatchObject({
      transport: 'udp',
      source: { address: '127.0.0.1', port: client.port },
      method: 'INVITE',
      ruri: 'sip:486@127.0.0.1',
      callId,
      fromUser: 'zed',
      toUser: 'bob',
      cseq: '1 INVITE',
      raw: invite.toString('latin1'),
      rule: 'code-in-uri',
      retransmission: false,
      absorbed: false,
    });
    expect(e!.responses[0]).toMatchObject({ code: 486, reason: 'Busy Here', raw: res.text, retransmission: false });
  });

  it('records a TCP request and flags a UDP retransmission, its resent response on the first entry', async () => {
    const { srv, requests } = await setup();
    const conn = await srv.tcpConnect();
    const tcpCall = uniqueCallId();
    const options = buildRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1', callId: tcpCall, from: FROM, via: defaultVia('TCP', `127.0.0.1:${conn.port}`) });
    const r = await conn.request(options);
    const [t] = await requests(`?callId=${encodeURIComponent(tcpCall)}`);
    expect([t!.transport, t!.source.port, t!.raw, t!.responses.map((x) => [x.code, x.raw])]).toEqual(['tcp', conn.port, options.toString('latin1'), [[r.status, r.text]]]);

    const client = await srv.udpClient();
    const callId = uniqueCallId();
    const invite = buildRequest({ method: 'INVITE', uri: 'sip:486@127.0.0.1', callId, from: FROM, via: defaultVia('UDP', `127.0.0.1:${client.port}`) });
    await client.request(invite);
    client.send(invite);
    await client.receive(2000, callId);
    const [first, again] = await requests(`?callId=${encodeURIComponent(callId)}`);
    expect([again!.retransmission, again!.retransmissionOf, again!.responses.length]).toEqual([true, first!.id, 0]);
    expect(first!.retransmissions).toBe(1);
    expect(first!.responses.map((x) => [x.code, x.retransmission])).toEqual([
      [486, false],
      [486, true],
    ]);
  });

  it('filters, counts, limits and deletes; names bad parameters with 400', async () => {
    const { srv, base, get, requests } = await setup();
    const client = await srv.udpClient();
    const via = () => defaultVia('UDP', `127.0.0.1:${client.port}`);
    const t0 = Date.now();
    await client.request(buildRequest({ method: 'INVITE', uri: 'sip:486@127.0.0.1', from: FROM, via: via() }));
    await client.request(buildRequest({ method: 'OPTIONS', uri: 'sip:carol@127.0.0.1', from: FROM, via: via() }));
    await client.request(buildRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1', from: FROM, via: via() }));
    expect((await requests('?method=OPTIONS')).map((e) => e.ruri)).toEqual(['sip:carol@127.0.0.1', 'sip:nobody@127.0.0.1']);
    expect((await requests('?user=carol')).map((e) => e.ruri)).toEqual(['sip:carol@127.0.0.1']);
    expect((await requests('?code=486')).map((e) => e.method)).toEqual(['INVITE']);
    expect((await requests('?limit=2')).map((e) => e.method)).toEqual(['INVITE', 'OPTIONS']);
    expect((await requests(`?since=${new Date(t0 - 60_000).toISOString()}`)).length).toBe(3);
    expect((await requests(`?since=${Date.now() + 60_000}`)).length).toBe(0);
    expect(await get('/api/requests/count?method=OPTIONS')).toEqual({ status: 200, body: { count: 2 } });
    const bad = await get('/api/requests?code=42&color=red');
    expect(bad.status).toBe(400);
    expect((bad.body as { problems: { parameter: string }[] }).problems.map((p) => p.parameter).sort()).toEqual(['code', 'color']);
    const del = await fetch(`${base}/api/requests`, { method: 'DELETE', signal: AbortSignal.timeout(2000) });
    expect([del.status, await del.json()]).toEqual([200, { deleted: 3 }]);
    expect(await get('/api/requests/count')).toEqual({ status: 200, body: { count: 0 } });
  });

  it('GET /api/events streams an entry as it happens', async () => {
    const { srv, base } = await setup();
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 3000);
    try {
      const res = await fetch(`${base}/api/events`, { signal: ac.signal });
      expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/event-stream']);
      const reader = res.body!.getReader();
      const first = await reader.read(); // the opening comment: the client is subscribed
      expect(new TextDecoder().decode(first.value)).toBe(': journal events\n\n');
      const client = await srv.udpClient();
      const callId = uniqueCallId();
      await client.request(buildRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1', callId, from: FROM, via: defaultVia('UDP', `127.0.0.1:${client.port}`) }));
      let text = '';
      for (let i = 0; i < 20 && !text.includes('\n\n'); i++) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += new TextDecoder().decode(chunk.value);
      }
      const [idLine, eventLine, dataLine] = text.split('\n');
      expect([idLine, eventLine]).toEqual(['id: 1', 'event: request']);
      const entry = JSON.parse(dataLine!.slice('data: '.length)) as EntryJson;
      expect([entry.callId, entry.method, entry.responses[0]!.code]).toEqual([callId, 'OPTIONS', 404]);
      await reader.cancel();
    } finally {
      clearTimeout(timer);
      ac.abort();
    }
  });

  it('keeps journal.maxEntries, the oldest dropped and counted in sip4xx_journal_evictions_total', async () => {
    const { srv, base, requests } = await setup({ journal: { maxEntries: 2 } });
    const client = await srv.udpClient();
    const callIds = [uniqueCallId(), uniqueCallId(), uniqueCallId()];
    for (const callId of callIds) {
      await client.request(buildRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1', callId, from: FROM, via: defaultVia('UDP', `127.0.0.1:${client.port}`) }));
    }
    expect((await requests()).map((e) => e.callId)).toEqual(callIds.slice(1));
    const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    expect(text.split('\n')).toContain('sip4xx_journal_evictions_total 1');
  });

  it('records nothing with journal.enabled false', async () => {
    const { srv, requests, get } = await setup({ journal: { enabled: false } });
    const client = await srv.udpClient();
    const res = await client.request(buildRequest({ method: 'INVITE', uri: 'sip:486@127.0.0.1', from: FROM, via: defaultVia('UDP', `127.0.0.1:${client.port}`) }));
    expect(res.status).toBe(486);
    expect(await requests()).toEqual([]);
    expect(await get('/api/requests/count')).toEqual({ status: 200, body: { count: 0 } });
  });
});
