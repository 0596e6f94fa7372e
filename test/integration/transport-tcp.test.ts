import net from 'node:net';
import { canBindIpv6Loopback } from '../helpers/test-server.js';
import { memoryLogger } from '../helpers/memory-logger.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Flow } from '../../src/transport/flow.js';
import { startTcp, type TcpOptions, type TcpTransport } from '../../src/transport/tcp.js';

const REPLY = 'SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n\r\n';
const TOO_LARGE = 'SIP/2.0 413 Request Entity Too Large\r\nContent-Length: 0\r\n\r\n';

function request(body = '', cl = `Content-Length: ${Buffer.byteLength(body)}`): string {
  return `OPTIONS sip:486@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n${cl}\r\n\r\n${body}`;
}

const hasIpv6 = await canBindIpv6Loopback();

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

interface Server {
  transport: TcpTransport;
  received: { data: string; flow: Flow }[];
  /** What the transport logged so far. */
  lines(): Record<string, unknown>[];
  /** Resolves once the handler has seen `n` messages in all. */
  messages(n: number): Promise<void>;
}

/**
 * A server standing in for the core: it records each message, throws on a body of "boom", answers
 * a header block announcing an over-limit body with 413 and closes (§21.4.11), and REPLY otherwise.
 */
interface Limits {
  maxConnections: number;
  maxConnectionsPerAddress: number;
  idleTimeoutMs: number;
  messageTimeoutMs: number;
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

/** The transport's limits getter over `limits`, which a test may change between connections. */
function limitsOf(limits: Limits): TcpOptions['limits'] {
  return () => ({ maxHeaderBytes: limits.maxHeaderBytes, maxBodyBytes: limits.maxBodyBytes, tcp: limits });
}

async function sipServer(host: string, overrides: Partial<Limits> = {}): Promise<Server> {
  const limits: Limits = { maxConnections: 10, maxConnectionsPerAddress: 10, idleTimeoutMs: 10_000, messageTimeoutMs: 10_000, maxHeaderBytes: 1024, maxBodyBytes: 1000, ...overrides };
  const { logger, lines } = memoryLogger();
  const received: Server['received'] = [];
  const waiters: (() => void)[] = [];
  const transport = await startTcp({
    host,
    port: 0,
    logger,
    limits: limitsOf(limits),
    handler: (data, flow) => {
      const text = data.toString('latin1');
      received.push({ data: text, flow });
      for (const w of waiters.splice(0)) w();
      if (text.endsWith('\r\n\r\nboom')) throw new Error('handler bug');
      if (/Content-Length: \d{4,}/.test(text)) {
        flow.send(Buffer.from(TOO_LARGE), flow.remote);
        flow.close();
        return;
      }
      flow.send(Buffer.from(REPLY), flow.remote);
    },
  });
  cleanup.push(() => transport.close());
  const messages = async (n: number): Promise<void> => {
    while (received.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { transport, received, lines, messages };
}

interface Client {
  socket: net.Socket;
  /** Everything the server has sent so far. */
  text(): string;
  /** Resolves when the server has sent `expected` in all. */
  reads(expected: string): Promise<void>;
  write(data: string): Promise<void>;
  closed: Promise<void>;
}

async function connect(port: number, host = '127.0.0.1'): Promise<Client> {
  const socket = net.connect({ port, host, noDelay: true });
  cleanup.push(() => void socket.destroy());
  let text = '';
  const checks: (() => void)[] = [];
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1');
    for (const c of checks) c();
  });
  socket.on('error', () => {}); // a reset by the server is what some tests expect
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return {
    socket,
    text: () => text,
    reads: (expected) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (text === expected) resolve();
          else if (!expected.startsWith(text)) reject(new Error(`unexpected bytes: ${JSON.stringify(text)}`));
        };
        checks.push(check);
        check();
        void closed.then(() => reject(new Error(`closed after ${JSON.stringify(text)}`)));
      }),
    write: (data) => new Promise<void>((resolve) => socket.write(data, 'latin1', () => resolve())),
    closed,
  };
}

describe('TCP transport', () => {
  it('delivers a message written in many small pieces as one whole message (§18.3)', async () => {
    const server = await sipServer('127.0.0.1');
    const client = await connect(server.transport.address().port);
    const m = request('v=0\r\n\r\no=body with a blank line');
    for (let i = 0; i < m.length; i += 7) {
      await client.write(m.slice(i, i + 7));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await client.reads(REPLY);
    expect(server.received.map((r) => r.data)).toEqual([m]);
  });

  it('delivers messages coalesced in one write one by one, answering each on the same connection (§18.2.2)', async () => {
    const server = await sipServer('127.0.0.1');
    const client = await connect(server.transport.address().port);
    const [a, b, c] = [request('a'), request(), request('c')];
    await client.write(a + b + c);
    await client.reads(REPLY.repeat(3));
    expect(server.received.map((r) => r.data)).toEqual([a, b, c]);
    const { flow } = server.received[0]!;
    expect(flow.transport).toBe('tcp');
    expect(flow.remote).toEqual({ address: '127.0.0.1', port: client.socket.localPort, family: 'IPv4' });
    expect(flow.local).toEqual({ address: '127.0.0.1', port: server.transport.address().port, family: 'IPv4' });
  });

  it('answers a double-CRLF ping with a single-CRLF pong (RFC 5626 §3.5.1)', async () => {
    const server = await sipServer('127.0.0.1');
    const client = await connect(server.transport.address().port);
    await client.write('\r\n\r\n');
    await client.reads('\r\n');
    expect(server.received).toEqual([]);
  });

  it('hands the headers of an over-limit message to the core, which answers 413 and closes (§21.4.11)', async () => {
    const server = await sipServer('127.0.0.1');
    const client = await connect(server.transport.address().port);
    const head = request('', 'Content-Length: 5000');
    await client.write(head + 'x'.repeat(2000));
    await client.closed;
    expect(client.text()).toBe(TOO_LARGE);
    expect(server.received.map((r) => r.data)).toEqual([head]);
  });

  it('closes a connection whose header block never ends within maxHeaderBytes', async () => {
    const server = await sipServer('127.0.0.1', { maxHeaderBytes: 200 });
    const client = await connect(server.transport.address().port);
    await client.write('OPTIONS sip:a@b SIP/2.0\r\nX-Filler: ' + 'a'.repeat(300));
    await client.closed;
    expect(server.received).toEqual([]);
    expect(server.lines()).toContainEqual(expect.objectContaining({ msg: 'tcp framing lost, closing', reason: 'header block exceeds 200 bytes' }));
  });

  it('keeps the connection and the server up when the handler throws', async () => {
    const server = await sipServer('127.0.0.1');
    const client = await connect(server.transport.address().port);
    await client.write(request('boom') + request());
    await client.reads(REPLY);
    expect(server.received).toHaveLength(2);
    expect(server.lines()).toContainEqual(expect.objectContaining({ level: 50, msg: 'tcp message handler threw' }));
  });

  it('refuses connections beyond maxConnections and keeps serving the others', async () => {
    const server = await sipServer('127.0.0.1', { maxConnections: 1 });
    const { port } = server.transport.address();
    const first = await connect(port);
    await first.write(request());
    await first.reads(REPLY);

    const second = await connect(port);
    await second.closed;
    expect(server.transport.connectionCount()).toBe(1);
    await first.write(request());
    await first.reads(REPLY + REPLY);
    expect(server.lines()).toContainEqual(expect.objectContaining({ msg: 'connection refused: maxConnections reached', transport: 'tcp' }));
  });

  it('closes a connection idle for idleTimeoutMs', async () => {
    const server = await sipServer('127.0.0.1', { idleTimeoutMs: 200 });
    const started = Date.now();
    const client = await connect(server.transport.address().port);
    await client.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await expect.poll(() => server.transport.connectionCount()).toBe(0);
  });

  it('destroys every connection when the transport closes', async () => {
    const server = await sipServer('127.0.0.1');
    const client = await connect(server.transport.address().port);
    await client.write(request());
    await server.messages(1);
    expect(server.transport.connectionCount()).toBe(1);
    await Promise.all([server.transport.close(), client.closed]);
    expect(server.transport.connectionCount()).toBe(0);
  });

  it.skipIf(!hasIpv6)('serves IPv6 peers on ::1', async () => {
    const server = await sipServer('::1');
    expect(server.transport.address().family).toBe('IPv6');
    const client = await connect(server.transport.address().port, '::1');
    await client.write(request());
    await client.reads(REPLY);
    expect(server.received[0]!.flow.remote).toEqual({ address: '::1', port: client.socket.localPort, family: 'IPv6' });
  });

  it.skipIf(!hasIpv6)('reports IPv4 peers of a dual-stack :: listener as plain IPv4', async () => {
    const server = await sipServer('::');
    const client = await connect(server.transport.address().port, '127.0.0.1');
    await client.write(request());
    await client.reads(REPLY);
    const { flow } = server.received[0]!;
    expect(flow.remote).toEqual({ address: '127.0.0.1', port: client.socket.localPort, family: 'IPv4' });
    expect(flow.local.family).toBe('IPv4');
  });

  it('rejects with EADDRINUSE when the port is taken', async () => {
    const server = await sipServer('127.0.0.1');
    const second = startTcp({
      host: '127.0.0.1',
      port: server.transport.address().port,
      logger: memoryLogger('silent').logger,
      handler: () => {},
      limits: limitsOf({ maxConnections: 1, maxConnectionsPerAddress: 1, idleTimeoutMs: 1000, messageTimeoutMs: 1000, maxHeaderBytes: 1024, maxBodyBytes: 1024 }),
    });
    await expect(second).rejects.toThrow(/cannot listen on TCP 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  });
});
