/**
 * The README's worked example (README, "Request journal"), run as a real suite: each test adds a
 * stub through POST /api/stubs, places a call with SIPp (`sipp -p PORT`, one call, bounded) or our
 * own UDP client, and asserts on GET /api/requests. A real SIP server and the real admin HTTP
 * server on loopback, ephemeral ports, default configuration.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAdmin } from '../../src/admin/admin-server.js';
import { controlPlaneOf } from '../../src/admin/api/control.js';
import { createMetrics } from '../../src/admin/metrics.js';
import type { EntryJson } from '../../src/journal/query.js';
import { buildRequest, defaultVia, freePort, startTestServer, uniqueCallId } from '../helpers/index.js';

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

// One call: INVITE carol, optional 100, the 486, and the ACK of that 486 (§17.1.1.3).
const SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="call carol">
  <send retrans="500"><![CDATA[

      INVITE sip:carol@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
      To: <sip:carol@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:sipp@[local_ip]:[local_port]>
      Content-Length: 0

  ]]></send>
  <recv response="100" optional="true" timeout="4000"/>
  <recv response="486" timeout="4000"/>
  <send><![CDATA[

      ACK sip:carol@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-3];rport
      Max-Forwards: 70
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Content-Length: 0

  ]]></send>
</scenario>
`;

async function setup() {
  const srv = await startTestServer();
  stops.push(() => srv.close());
  const admin = await startAdmin({
    host: '127.0.0.1',
    port: 0,
    registry: createMetrics().registry,
    state: () => 'ready',
    logger: srv.log.logger,
    api: { host: '127.0.0.1', token: () => '', control: () => controlPlaneOf(srv.server) },
  });
  stops.push(() => admin.close());
  const api = `http://127.0.0.1:${admin.port}/api`;
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(api + p, {
      method,
      signal: AbortSignal.timeout(2000),
      ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { srv, call, requests: async (q: string) => (await call('GET', `/requests${q}`)).body['requests'] as EntryJson[] };
}

/** One SIPp call to the server; resolves with SIPp's exit code (0: every step as the scenario says). */
async function sippCall(port: number): Promise<{ code: number; output: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sip4xx-example-'));
  stops.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'call.xml'), SCENARIO);
  const local = await freePort();
  return new Promise((resolve) => {
    // -m 1: one call; -timeout: SIPp gives up on its own; the execFile timeout kills it if not.
    execFile(
      'sipp',
      [`127.0.0.1:${port}`, '-sf', 'call.xml', '-t', 'u1', '-i', '127.0.0.1', '-p', String(local), '-m', '1', '-timeout', '10s', '-timeout_error', '-nostdin'],
      { cwd: dir, timeout: 15_000, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, output: `${stdout}${stderr}`.slice(-2000) }),
    );
  });
}

const STUB = { name: 'carol busy', priority: 5, match: { method: 'INVITE', user: 'carol' }, respond: { code: 486, reason: 'Busy Test' }, times: 1 };

describe('worked example: a stub, a call, the journal', () => {
  it('SIPp calls carol, the stub answers 486 Busy Test, and the journal shows the call, the stub and the ACK', async () => {
    const { srv, call, requests } = await setup();
    const added = await call('POST', '/stubs', STUB);
    expect(added.status).toBe(201);
    expect(typeof added.body['id']).toBe('string');

    const sipp = await sippCall(srv.port);
    expect(sipp.code, sipp.output).toBe(0);

    const [invite, ack] = await requests('?user=carol');
    expect([invite!.method, invite!.fromUser, invite!.toUser, invite!.transport]).toEqual(['INVITE', 'sipp', 'carol', 'udp']);
    expect(invite!.rule).toBe('carol busy');
    expect(invite!.responses.filter((r) => r.code >= 200).map((r) => `${r.code} ${r.reason}`)).toEqual(['486 Busy Test']);
    expect([ack!.method, ack!.absorbed, ack!.callId]).toEqual(['ACK', true, invite!.callId]);
    expect(await call('GET', '/requests/count?code=486&user=carol')).toEqual({ status: 200, body: { count: 1 } });
  });

  it('times: 1 — the second INVITE to carol is no longer the stub’s (our own UDP client)', async () => {
    const { srv, call, requests } = await setup();
    expect((await call('POST', '/stubs', STUB)).status).toBe(201);
    const client = await srv.udpClient();
    const invite = () => buildRequest({ method: 'INVITE', uri: 'sip:carol@127.0.0.1', callId: uniqueCallId(), from: '<sip:zed@127.0.0.1>;tag=z1', via: defaultVia('UDP', `127.0.0.1:${client.port}`) });
    const first = await client.request(invite());
    const second = await client.request(invite());
    expect(`${first.status} ${first.reason}`).toBe('486 Busy Test');
    expect(second.reason).not.toBe('Busy Test');
    const entries = await requests('?method=INVITE&user=carol');
    expect(entries.map((e) => e.responses.find((r) => r.code >= 200)?.reason)).toEqual(['Busy Test', second.reason]);
    expect(entries[0]!.rule).toBe('carol busy');
    expect(entries[1]!.rule).not.toBe('carol busy');
  });
});
