/**
 * The HEALTHCHECK's resolution and probes against a real server process: read back from
 * /proc/<pid> as in the container, then GET /healthz, or OPTIONS to the SIP port when the admin
 * endpoint is off.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { probe } from '../../src/admin/health-probe.js';
import { healthTarget, readServerProcess } from '../../src/admin/health-target.js';
import { freePort, startDaemon, type Daemon } from '../helpers/index.js';

const daemons: Daemon[] = [];
afterEach(() => {
  for (const d of daemons.splice(0)) d.kill();
});

async function started(args: string[]): Promise<Daemon> {
  const d = startDaemon(args);
  daemons.push(d);
  await d.waitFor((l) => l.msg === 'listening');
  return d;
}

function targetOf(d: Daemon) {
  const proc = readServerProcess(String(d.child.pid));
  if (proc === undefined) throw new Error('server process not readable in /proc');
  return healthTarget(proc);
}

describe('the healthcheck against a running server', () => {
  it('finds --admin-port on its command line and is healthy through /healthz', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const d = await started(['--host', '127.0.0.1', '--port', String(port), '--admin-port', String(adminPort)]);
    const target = targetOf(d);
    expect(target).toEqual({ kind: 'http', url: `http://127.0.0.1:${adminPort}/healthz` });
    expect(await probe(target, 2500)).toEqual({ healthy: true, detail: `GET http://127.0.0.1:${adminPort}/healthz: 200 {"status":"ready"}` });
  });

  it('finds SIP4XX_ADMIN__PORT in its environment', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const d = startDaemon(['--host', '127.0.0.1', '--port', String(port)], { SIP4XX_ADMIN__PORT: String(adminPort) });
    daemons.push(d);
    await d.waitFor((l) => l.msg === 'listening');
    expect(targetOf(d)).toEqual({ kind: 'http', url: `http://127.0.0.1:${adminPort}/healthz` });
  });

  it.each(['udp', 'tcp'] as const)('with the admin endpoint off, is healthy through an OPTIONS over %s', async (transport) => {
    const port = await freePort();
    const only = transport === 'tcp' ? ['--server.udp', 'false'] : [];
    const d = await started(['--host', '127.0.0.1', '--port', String(port), '--admin-port', '0', ...only]);
    const target = targetOf(d);
    expect(target).toEqual({ kind: 'sip', transport, host: '127.0.0.1', port });
    expect(await probe(target, 2500)).toEqual({ healthy: true, detail: `OPTIONS sip:127.0.0.1:${port} over ${transport}: 200` });
  });

  it('is unhealthy when nothing answers', async () => {
    const port = await freePort();
    expect(await probe({ kind: 'sip', transport: 'udp', host: '127.0.0.1', port }, 800)).toEqual({
      healthy: false,
      detail: `OPTIONS sip:127.0.0.1:${port} over udp: no answer within 800 ms`,
    });
    const http = await probe({ kind: 'http', url: `http://127.0.0.1:${port}/healthz` }, 800);
    expect(http.healthy).toBe(false);
  });
});
