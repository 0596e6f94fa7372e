/**
 * No one source holds the TCP listener (real sockets on loopback, small limits via config):
 * maxConnectionsPerAddress from 127.0.0.1 leaves 127.0.0.2 served; keep-alive pings are answered
 * with CRLF (RFC 5626 §3.5.1) but do not keep an idle connection open; a message still incomplete
 * messageTimeoutMs after its first byte closes its connection.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRequest, startTestServer, tcpClientFor, type TcpClient, type TestServer } from '../helpers/index.js';

let srv: TestServer;
const opened: TcpClient[] = [];

beforeAll(async () => {
  srv = await startTestServer({ config: { limits: { tcp: { maxConnectionsPerAddress: 3, idleTimeoutMs: 500, messageTimeoutMs: 300 } } } });
});
afterAll(async () => {
  for (const c of opened) c.socket.destroy();
  await srv.close();
});

async function connectFrom(localAddress: string): Promise<TcpClient> {
  const c = await tcpClientFor(srv.host, srv.port, () => net.connect({ host: srv.host, port: srv.port, localAddress }));
  opened.push(c);
  return c;
}

function options(c: TcpClient): Buffer {
  return buildRequest({ method: 'OPTIONS', uri: `sip:${srv.host}`, via: `SIP/2.0/TCP 127.0.0.1:${c.port};branch=z9hG4bK${Math.random().toString(36).slice(2)}` });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('per-source limits on TCP', () => {
  it('refuses the 4th connection from 127.0.0.1 and answers OPTIONS from 127.0.0.2', async () => {
    const held = [await connectFrom('127.0.0.1'), await connectFrom('127.0.0.1'), await connectFrom('127.0.0.1')];
    for (const c of held) await c.write('\r\n\r\n');
    const fourth = await connectFrom('127.0.0.1');
    await fourth.closed(2000);
    const other = await connectFrom('127.0.0.2');
    const res = await other.request(options(other));
    expect([res.status, res.reason]).toEqual([200, 'OK']);
    expect(srv.server.tcp?.counters.refusedPerAddress).toBe(1);
    expect(srv.log.withMsg('connection refused: maxConnectionsPerAddress reached')).toEqual([
      expect.objectContaining({ level: 40, transport: 'tcp', remote: '127.0.0.1', max: 3 }),
    ]);
    for (const c of [...held, other]) c.socket.destroy();
    // Bounded wait for the server to see the closes before the next test connects.
    for (let i = 0; i < 40 && (srv.server.tcp?.connectionCount() ?? 0) > 0; i++) await sleep(25);
  });

  it('answers pings with CRLF yet closes the connection after idleTimeoutMs without a message', async () => {
    const c = await connectFrom('127.0.0.3');
    const pongs: Buffer[] = [];
    c.socket.on('data', (d: Buffer) => pongs.push(d));
    const start = Date.now();
    let closed = false;
    c.socket.once('close', () => void (closed = true));
    for (let i = 0; i < 30 && !closed; i++) {
      c.socket.write('\r\n\r\n');
      await sleep(100);
    }
    const lived = Date.now() - start;
    expect(closed).toBe(true);
    expect(lived).toBeGreaterThanOrEqual(450);
    expect(lived).toBeLessThan(1500);
    expect(Buffer.concat(pongs).toString('latin1')).toMatch(/^(\r\n)+$/);
  });

  it('closes a sender of one byte every 50 ms after messageTimeoutMs', async () => {
    const c = await connectFrom('127.0.0.4');
    const bytes = options(c);
    const before = srv.server.tcp?.counters.slowClosed ?? 0;
    const start = Date.now();
    let closed = false;
    c.socket.once('close', () => void (closed = true));
    for (let i = 0; i < bytes.length && i < 60 && !closed; i++) {
      c.socket.write(bytes.subarray(i, i + 1));
      await sleep(50);
    }
    expect(closed).toBe(true);
    const lived = Date.now() - start;
    expect(lived).toBeGreaterThanOrEqual(280);
    expect(lived).toBeLessThan(1500);
    expect(srv.server.tcp?.counters.slowClosed).toBe(before + 1);
  });
});
