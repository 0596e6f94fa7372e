/**
 * The daemon as a process: health after bind, SIGTERM drain with a transaction in flight, SIGHUP
 * reload of a valid and an invalid file, a clear error for a port in use, the bin/sip4xx launcher.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRequest, freePort, startDaemon, udpClientFor, type Daemon } from '../helpers/index.js';
import { SERVER_GLIBC_TUNABLES } from '../../bench/server-start.js';

const daemons: Daemon[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const d of daemons.splice(0)) d.kill();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(extra: string[] = [], file?: string) {
  const port = await freePort();
  const adminPort = await freePort();
  const args = ['--host', '127.0.0.1', '--port', String(port), '--admin-port', String(adminPort), ...extra];
  if (file !== undefined) args.push('--config', file);
  const d = startDaemon(args);
  daemons.push(d);
  await d.waitFor((l) => l.msg === 'listening');
  return { d, port, adminPort };
}

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sip4xx-'));
  dirs.push(dir);
  const path = join(dir, 'config.yaml');
  writeFileSync(path, text);
  return path;
}

describe('the sip4xx daemon', () => {
  it('is healthy on the admin port once listening, and its metrics count requests', async () => {
    const { port, adminPort } = await start();
    const health = await fetch(`http://127.0.0.1:${adminPort}/healthz`);
    expect(health.status).toBe(200);
    const client = await udpClientFor('127.0.0.1', port);
    const r = await client.request(buildRequest({ uri: 'sip:486@127.0.0.1', method: 'OPTIONS' }));
    expect(r.status).toBe(486);
    await client.close();
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
    expect(text).toContain('sip4xx_requests_total{method="OPTIONS",transport="udp"} 1');
    expect(text).toContain('sip4xx_responses_total{code="486",rule="code-in-uri"} 1');
  });

  it('drains on SIGTERM: a ringing INVITE in flight still gets its final answer, then exit 0', async () => {
    const { d, port } = await start(['--calls.ringMs', '700', '--server.drainTimeoutMs', '5000']);
    const client = await udpClientFor('127.0.0.1', port);
    const ringing = await client.request(buildRequest({ uri: 'sip:ringing@127.0.0.1', via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bKdrain1;rport` }));
    expect(ringing.status).toBe(180);
    d.child.kill('SIGTERM');
    const final = await client.receive(3000);
    expect(final.status).toBe(480); // the transaction finished normally, not cut short
    expect(await d.exited()).toBe(0);
    await client.close();
  });

  it('answers new requests with 503 while draining', async () => {
    const { d, port } = await start(['--calls.ringMs', '1500', '--server.drainTimeoutMs', '5000']);
    const client = await udpClientFor('127.0.0.1', port);
    await client.request(buildRequest({ uri: 'sip:ringing@127.0.0.1', via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bKdrain2;rport` }));
    d.child.kill('SIGTERM');
    await d.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('stopping'));
    const refused = await client.request(buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1' }));
    expect(refused.status).toBe(503);
    expect(refused.get('retry-after')).toBe('5');
    await client.close();
    expect(await d.exited()).toBe(0);
  });

  it('reloads its config file on SIGHUP, and keeps the running one when the new file is invalid', async () => {
    const file = configFile('defaultResponse: { code: 404, reason: Not Found }\n');
    const { d, port } = await start([], file);
    const client = await udpClientFor('127.0.0.1', port);
    expect((await client.request(buildRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1' }))).status).toBe(404);

    writeFileSync(file, 'defaultResponse: { code: 403, reason: Go Away }\n');
    d.child.kill('SIGHUP');
    await d.waitFor((l) => l.msg === 'configuration reloaded');
    const after = await client.request(buildRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1' }));
    expect([after.status, after.reason]).toEqual([403, 'Go Away']);

    writeFileSync(file, 'defaultResponse: { code: 99 }\nbogus: true\n');
    d.child.kill('SIGHUP');
    const refused = await d.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('reload refused'));
    expect(JSON.stringify(refused.problems)).toContain('defaultResponse.code');
    const still = await client.request(buildRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1' }));
    expect(still.status).toBe(403);
    await client.close();
  });

  it('run as bin/sip4xx, is itself the PID it was started as: SIGHUP reloads it, SIGTERM ends it with 0', async () => {
    const file = configFile('defaultResponse: { code: 404, reason: Not Found }\n');
    const port = await freePort();
    const d = startDaemon(['--host', '127.0.0.1', '--port', String(port), '--admin-port', '0', '--config', file], {}, 'bin');
    daemons.push(d);
    const listening = await d.waitFor((l) => l.msg === 'listening');
    expect(listening.pid).toBe(d.child.pid); // the launcher exec'd node: no parent in between to signal
    // It runs glibc's malloc as the image does (README, "Memory"), unless told otherwise. glibc
    // 2.36 cuts the variable at each ':' in place as it parses it, hence the NULs read back as ':'.
    const environ = `:${readFileSync(`/proc/${d.child.pid}/environ`, 'latin1').replace(/\0/g, ':')}`;
    expect(environ).toContain(`:GLIBC_TUNABLES=${process.env['GLIBC_TUNABLES'] ?? SERVER_GLIBC_TUNABLES}:`);
    const client = await udpClientFor('127.0.0.1', port);
    writeFileSync(file, 'defaultResponse: { code: 403, reason: Go Away }\n');
    d.child.kill('SIGHUP');
    const reloaded = await d.waitFor((l) => l.msg === 'configuration reloaded');
    expect(reloaded.pid).toBe(d.child.pid);
    const after = await client.request(buildRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1' }));
    expect([after.status, after.reason]).toEqual([403, 'Go Away']);
    await client.close();
    d.child.kill('SIGTERM');
    expect(await d.exited()).toBe(0);
  });

  it('exits non-zero with one clear line when its port is in use', async () => {
    const { port } = await start();
    const second = startDaemon(['--host', '127.0.0.1', '--port', String(port), '--admin-port', '0']);
    daemons.push(second);
    expect(await second.exited()).toBe(2);
    expect(second.lines.join('\n')).toMatch(new RegExp(`stderr: sip4xx: SIP port ${port} is already in use`));
  });

  it('serves SIP without /healthz when its admin port is taken, saying so in an error line', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const adminPort = (taken.address() as net.AddressInfo).port;
    try {
      const port = await freePort();
      const d = startDaemon(['--host', '127.0.0.1', '--port', String(port), '--admin-port', String(adminPort)]);
      daemons.push(d);
      const error = await d.waitFor((l) => l.level === 50);
      expect(error).toMatchObject({
        msg: 'admin endpoint unavailable; serving SIP without /healthz and /metrics',
        host: '127.0.0.1',
        port: adminPort,
        reason: `admin port ${adminPort} is already in use`,
      });
      await d.waitFor((l) => l.msg === 'listening');
      const client = await udpClientFor('127.0.0.1', port);
      expect((await client.request(buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1' }))).status).toBe(200);
      await client.close();
      d.child.kill('SIGTERM');
      expect(await d.exited()).toBe(0);
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });

  it('exits non-zero listing every bad key of an invalid config file', async () => {
    const file = configFile('server: { port: -1 }\nlimits: { maxBodyBytes: x }\n');
    const d = startDaemon(['--config', file, '--admin-port', '0']);
    daemons.push(d);
    expect(await d.exited()).toBe(2);
    const err = d.lines.join('\n');
    expect(err).toContain('server.port');
    expect(err).toContain('limits.maxBodyBytes');
  });
});
