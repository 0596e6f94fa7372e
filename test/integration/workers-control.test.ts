/**
 * server.workers 2 (README, "Workers"), the operator's side: the live event stream, the pcap and
 * TCP connections across both workers, and SIGHUP reloading every worker. The daemon runs under the
 * pinned Node 24 with a config file; real sockets on loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAck, buildRequest, freePort, NODE24, startDaemon, tcpClientFor, udpClientFor, uniqueBranch, uniqueCallId, type Daemon, type UdpClient } from '../helpers/index.js';

const HOST = '127.0.0.1';
const CLIENTS = 16;

let port: number;
let admin: number;
let daemon: Daemon;
let dir: string;
let configFile: string;
let clients: UdpClient[] = [];

interface Entry {
  id: number;
  callId: string;
  worker: number;
  method: string;
  transport: string;
  responses: { code: number }[];
}

const base = () => `http://${HOST}:${admin}`;

async function entries(query = ''): Promise<Entry[]> {
  const res = await fetch(`${base()}/api/requests${query}`, { signal: AbortSignal.timeout(10_000) });
  return ((await res.json()) as { requests: Entry[] }).requests;
}

async function invite(c: UdpClient, user: string, callId = uniqueCallId()): Promise<number> {
  const req = buildRequest({ uri: `sip:${user}@${HOST}`, to: `<sip:${user}@${HOST}>`, via: `SIP/2.0/UDP ${HOST}:${c.port};branch=${uniqueBranch()};rport`, callId });
  const res = await c.request(req, 5000);
  if (res.status >= 300) c.send(buildAck(req, res.get('To') ?? ''));
  return res.status;
}

beforeAll(async () => {
  port = await freePort();
  admin = await freePort();
  dir = mkdtempSync(path.join(tmpdir(), 'sip4xx-workers-'));
  configFile = path.join(dir, 'sip4xx.yaml');
  writeFileSync(configFile, 'users:\n  later: { behaviour: forbidden }\n');
  const args = ['--config', configFile, '--workers', '2', '--port', String(port), '--admin-port', String(admin), '--host', HOST];
  daemon = startDaemon([...args, '--server.tls.port', '0', '--server.ws.port', '0', '--server.wss.port', '0', '--server.drainTimeoutMs', '1000'], {}, { node: NODE24 });
  await daemon.waitFor((l) => l.msg === 'all workers ready', 30_000);
  clients = await Promise.all(Array.from({ length: CLIENTS }, () => udpClientFor(HOST, port)));
}, 40_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  daemon?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('two workers: event stream, pcap, TCP, reload (Node 24)', () => {
  it('GET /api/events streams the entries of both workers, each with its worker and a unique id', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${base()}/api/events`, { signal: ctrl.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const seen: Entry[] = [];
    let text = '';
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString('utf8');
        let end;
        while ((end = text.indexOf('\n\n')) !== -1) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (block.includes('event: request') && data !== undefined) seen.push(JSON.parse(data) as Entry);
        }
      }
    })().catch(() => {});
    try {
      // The workers start forwarding once the primary told them: wait (bounded) for a first event.
      for (let i = 0; i < 50 && seen.length === 0; i++) await invite(clients[0] as UdpClient, '486');
      expect(seen.length).toBeGreaterThan(0);
      const calls = new Set<string>();
      for (const c of clients) {
        const callId = uniqueCallId();
        calls.add(callId);
        expect(await invite(c, '486', callId)).toBe(486);
      }
      const burst = () => seen.filter((e) => e.method === 'INVITE' && calls.has(e.callId));
      for (let i = 0; i < 100 && burst().length < CLIENTS; i++) await new Promise((r) => setTimeout(r, 20));
      const invites = burst();
      expect(invites).toHaveLength(CLIENTS);
      expect(new Set(invites.map((e) => e.worker))).toEqual(new Set([0, 1]));
      expect(new Set(invites.map((e) => e.id)).size).toBe(CLIENTS);
      for (const e of invites) expect(e.id % 1024).toBe(e.worker);
    } finally {
      ctrl.abort();
      await pump;
    }
  });

  it('TCP connections spread over both workers too, and the pcap holds every worker\'s messages', async () => {
    const conns = await Promise.all(Array.from({ length: CLIENTS }, () => tcpClientFor(HOST, port)));
    try {
      for (const c of conns) {
        const req = buildRequest({ method: 'OPTIONS', uri: `sip:486@${HOST}`, to: `<sip:486@${HOST}>`, via: `SIP/2.0/TCP ${HOST}:${c.port};branch=${uniqueBranch()}` });
        expect((await c.request(req, 5000)).status).toBe(486);
      }
    } finally {
      for (const c of conns) c.close();
    }
    const tcp = await entries('?method=OPTIONS');
    expect(tcp.map((e) => e.transport)).toEqual(Array<string>(CLIENTS).fill('tcp'));
    expect(new Set(tcp.map((e) => e.worker))).toEqual(new Set([0, 1]));

    const all = await entries();
    const res = await fetch(`${base()}/api/requests.pcap`, { signal: AbortSignal.timeout(10_000) });
    expect(res.headers.get('content-type')).toBe('application/vnd.tcpdump.pcap');
    const pcap = Buffer.from(await res.arrayBuffer());
    expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4);
    // One packet per message, plus a synthetic handshake and close per TCP connection (pcap.ts).
    let packets = 0;
    for (let at = 24; at < pcap.length; at += 16 + pcap.readUInt32LE(at + 8)) packets++;
    const messages = all.reduce((n, e) => n + 1 + e.responses.length, 0);
    expect(packets).toBeGreaterThanOrEqual(messages);
  });

  it('SIGHUP reloads the primary and every worker: a user added to the file answers on every source port', async () => {
    for (const c of clients.slice(0, 4)) expect(await invite(c, 'carolyn')).toBe(404);
    writeFileSync(configFile, 'users:\n  later: { behaviour: forbidden }\n  carolyn: { behaviour: busy }\n');
    const before = daemon.lines.length;
    daemon.child.kill('SIGHUP');
    await daemon.waitFor((l) => l.msg === 'configuration reloaded; reloading every worker', 10_000);
    for (let i = 0; i < 200 && daemon.lines.slice(before).filter((l) => l.includes('"msg":"worker configuration reloaded"')).length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect(daemon.lines.slice(before).filter((l) => l.includes('"msg":"worker configuration reloaded"'))).toHaveLength(2);
    for (const c of clients) expect(await invite(c, 'carolyn')).toBe(486);
  });

  it('a refused reload keeps every process on the running configuration', async () => {
    writeFileSync(configFile, 'users:\n  carolyn: { behaviour: not-a-behaviour }\n');
    daemon.child.kill('SIGHUP');
    const refused = await daemon.waitFor((l) => l.msg === 'reload refused; keeping the running configuration' && l.worker === undefined, 10_000);
    expect(JSON.stringify(refused.problems)).toContain('users.carolyn.behaviour');
    for (const c of clients) expect(await invite(c, 'carolyn')).toBe(486);
  });
});
