/**
 * Before the workers bind with SO_REUSEPORT, the primary binds the configured SIP port once without
 * it and lets go. SO_REUSEPORT lets any process of the same user join a port whose sockets all
 * have it — a second sip4xx with workers on the same port would silently take half the traffic
 * instead of failing. The probe makes a port held by anyone else fail to start as it does with one
 * process ("SIP port … is already in use", exit 2). Port 0 needs no probe: the first worker picks.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { Config } from '../config/schema.js';

function probeUdp(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', ipv6Only: false });
    s.once('error', (err) => {
      s.close();
      reject(err);
    });
    s.bind({ address: host, port, exclusive: true }, () => s.close(() => resolve()));
  });
}

function probeTcp(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true, ipv6Only: false }, () => server.close(() => resolve()));
  });
}

/** Rejects with the bind error (EADDRINUSE …) and the port it concerns, for the first port taken. */
export async function probePorts(config: Readonly<Config>): Promise<void> {
  const { host, port, udp, tcp } = config.server;
  // The SIP port only: a TLS or WebSocket port taken is not fatal with one process either (the
  // listener is logged as unavailable and the server runs without it).
  const checks: [string, number, (h: string, p: number) => Promise<void>][] = [];
  if (port !== 0 && udp) checks.push(['SIP', port, probeUdp]);
  if (port !== 0 && tcp) checks.push(['SIP', port, probeTcp]);
  for (const [what, p, probe] of checks) {
    try {
      await probe(host, p);
    } catch (err) {
      throw Object.assign(err as Error, { what, port: p });
    }
  }
}
