/**
 * SIGHUP through the real process: a config file whose server.port changes (restart-only) and whose
 * limits.maxBodyBytes rises (live). The daemon logs one warning naming server.port old → new, keeps
 * serving SIP on the old port, and applies the body limit there at once, over UDP and TCP.
 * Every wait is bounded (startDaemon, test-server.ts); every daemon is killed after its test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRequest, freePort, startDaemon, tcpClientFor, udpClientFor, type Daemon } from '../helpers/index.js';

const daemons: Daemon[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const d of daemons.splice(0)) d.kill();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function bigMessage(transport: 'UDP' | 'TCP', port: number, branch: string): Buffer {
  const via = `SIP/2.0/${transport} 127.0.0.1:${port};branch=z9hG4bK${branch};rport`;
  return buildRequest({ method: 'MESSAGE', uri: 'sip:textonly@127.0.0.1', via, headers: { 'Content-Type': 'text/plain' }, body: 'x'.repeat(500) });
}

/** Whether a TCP connection to 127.0.0.1:port is accepted (bounded by a 2 s timeout). */
function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

describe('SIGHUP with a changed restart-only key', () => {
  it('logs one warning naming server.port old → new, stays on the old port, and applies the live keys', async () => {
    const [port, newPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), 'sip4xx-reload-'));
    dirs.push(dir);
    const file = join(dir, 'config.yaml');
    writeFileSync(file, `server: { host: 127.0.0.1, port: ${port} }\nlimits: { maxBodyBytes: 100 }\n`);
    const d = startDaemon(['--admin-port', '0', '--config', file]);
    daemons.push(d);
    await d.waitFor((l) => l.msg === 'listening');
    const udp = await udpClientFor('127.0.0.1', port);
    try {
      expect((await udp.request(bigMessage('UDP', udp.port, 'before'))).status).toBe(413);

      writeFileSync(file, `server: { host: 127.0.0.1, port: ${newPort} }\nlimits: { maxBodyBytes: 1000 }\n`);
      d.child.kill('SIGHUP');
      const reloaded = await d.waitFor((l) => l.msg === 'configuration reloaded');
      expect(reloaded.restartOnlyKept).toEqual(['server.port']);
      const warnings = d.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 40);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({
        msg: `restart-only keys keep their running values until restart: server.port ${port} → ${newPort}`,
        restartOnly: [{ key: 'server.port', from: port, to: newPort }],
      });

      // Still on the old port, over UDP and TCP, with the new body limit; nothing on the new one.
      expect((await udp.request(buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1' }))).status).toBe(200);
      expect((await udp.request(bigMessage('UDP', udp.port, 'afterudp'))).status).toBe(200);
      const tcp = await tcpClientFor('127.0.0.1', port);
      try {
        expect((await tcp.request(bigMessage('TCP', tcp.port, 'aftertcp'))).status).toBe(200);
      } finally {
        tcp.close();
      }
      expect(await tcpAccepts(newPort)).toBe(false);
    } finally {
      await udp.close();
    }
  });
});
