import dgram from 'node:dgram';
import { once } from 'node:events';
import { canBindIpv6Loopback } from '../helpers/test-server.js';
import { memoryLogger } from '../helpers/memory-logger.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Flow } from '../../src/transport/flow.js';
import { startUdp, type UdpTransport } from '../../src/transport/udp.js';

const REPLY = Buffer.from('SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n\r\n', 'latin1');

const hasIpv6 = await canBindIpv6Loopback();

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

interface Server {
  transport: UdpTransport;
  received: { data: string; flow: Flow }[];
  /** What the transport logged so far. */
  lines(): Record<string, unknown>[];
}

/** A server whose handler records each datagram and answers REPLY to its source. */
async function echoServer(host: string, opts: { throwOn?: string; maxMessageBytes?: number } = {}): Promise<Server> {
  const { logger, lines } = memoryLogger();
  const received: Server['received'] = [];
  const transport = await startUdp({
    host,
    port: 0,
    logger,
    maxMessageBytes: opts.maxMessageBytes === undefined ? undefined : () => opts.maxMessageBytes ?? 65535,
    handler: (data, flow) => {
      const text = data.toString('latin1');
      received.push({ data: text, flow });
      if (text === opts.throwOn) throw new Error('handler bug');
      flow.send(REPLY, flow.remote);
    },
  });
  cleanup.push(() => transport.close());
  return { transport, received, lines };
}

async function client(type: 'udp4' | 'udp6', host: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket(type);
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  cleanup.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return socket;
}

async function exchange(socket: dgram.Socket, text: string, port: number, host: string): Promise<string> {
  const reply = once(socket, 'message');
  socket.send(Buffer.from(text, 'latin1'), port, host);
  const [data] = (await reply) as [Buffer];
  return data.toString('latin1');
}

describe('UDP transport', () => {
  it('hands each datagram to the core and sends the answer to the source over IPv4 (§18.2.2)', async () => {
    const server = await echoServer('127.0.0.1');
    const socket = await client('udp4', '127.0.0.1');
    const { port } = server.transport.address();

    expect(await exchange(socket, 'OPTIONS one', port, '127.0.0.1')).toBe(REPLY.toString('latin1'));
    expect(server.received).toHaveLength(1);
    const { flow, data } = server.received[0]!;
    expect(data).toBe('OPTIONS one');
    expect(flow.transport).toBe('udp');
    expect(flow.remote).toEqual({ address: '127.0.0.1', port: socket.address().port, family: 'IPv4' });
    expect(flow.local).toEqual({ address: '127.0.0.1', port, family: 'IPv4' });
    expect(server.transport.counters).toMatchObject({ received: 1, sent: 1, dropped: 0 });
  });

  it.skipIf(!hasIpv6)('does the same over IPv6 on ::1', async () => {
    const server = await echoServer('::1');
    const socket = await client('udp6', '::1');
    const { port, family } = server.transport.address();
    expect(family).toBe('IPv6');

    expect(await exchange(socket, 'OPTIONS six', port, '::1')).toBe(REPLY.toString('latin1'));
    expect(server.received[0]!.flow.remote).toEqual({ address: '::1', port: socket.address().port, family: 'IPv6' });
  });

  it.skipIf(!hasIpv6)('serves IPv4 peers on a dual-stack :: socket and reports them as plain IPv4', async () => {
    const server = await echoServer('::');
    const socket = await client('udp4', '127.0.0.1');

    expect(await exchange(socket, 'OPTIONS mapped', server.transport.address().port, '127.0.0.1')).toBe(
      REPLY.toString('latin1'),
    );
    expect(server.received[0]!.flow.remote).toEqual({ address: '127.0.0.1', port: socket.address().port, family: 'IPv4' });
  });

  it('binds a host given by name, resolved before binding, and answers its peers', async () => {
    const server = await echoServer('localhost');
    const { address, port } = server.transport.address();
    expect(['127.0.0.1', '::1']).toContain(address);
    const socket = await client(address === '::1' ? 'udp6' : 'udp4', address);
    expect(await exchange(socket, 'OPTIONS named', port, address)).toBe(REPLY.toString('latin1'));
  });

  it('keeps serving and logs the error when the handler throws', async () => {
    const server = await echoServer('127.0.0.1', { throwOn: 'boom' });
    const socket = await client('udp4', '127.0.0.1');
    const { port } = server.transport.address();

    socket.send(Buffer.from('boom'), port, '127.0.0.1');
    expect(await exchange(socket, 'after', port, '127.0.0.1')).toBe(REPLY.toString('latin1'));
    expect(server.received.map((r) => r.data)).toEqual(['boom', 'after']);
    expect(server.transport.counters.handlerErrors).toBe(1);
    expect(server.lines()).toContainEqual(expect.objectContaining({ level: 50, msg: 'udp message handler threw' }));
  });

  it('drops a datagram over maxMessageBytes before the core sees it', async () => {
    const server = await echoServer('127.0.0.1', { maxMessageBytes: 100 });
    const socket = await client('udp4', '127.0.0.1');
    const { port } = server.transport.address();

    socket.send(Buffer.alloc(101, 0x41), port, '127.0.0.1');
    expect(await exchange(socket, 'small', port, '127.0.0.1')).toBe(REPLY.toString('latin1'));
    expect(server.received.map((r) => r.data)).toEqual(['small']);
    expect(server.transport.counters.dropped).toBe(1);
  });

  it('logs, without throwing, a send the kernel refuses', async () => {
    const server = await echoServer('127.0.0.1');
    const socket = await client('udp4', '127.0.0.1');
    await exchange(socket, 'x', server.transport.address().port, '127.0.0.1');

    expect(() => server.received[0]!.flow.send(REPLY, { address: '127.0.0.1', port: 0 })).not.toThrow();
    expect(server.transport.counters.sendErrors).toBe(1);
  });

  it('logs refused sends by code, without a stack trace, at most 10 a second however many fail', async () => {
    const server = await echoServer('127.0.0.1');
    const socket = await client('udp4', '127.0.0.1');
    await exchange(socket, 'x', server.transport.address().port, '127.0.0.1');
    for (let i = 0; i < 50; i++) server.received[0]!.flow.send(REPLY, { address: '127.0.0.1', port: 0 });

    expect(server.transport.counters.sendErrors).toBe(50);
    const failed = server.lines().filter((l) => l.msg === 'udp send failed');
    expect(failed).toHaveLength(10);
    expect(failed[0]).toMatchObject({ level: 40, code: 'ERR_SOCKET_BAD_PORT' });
    expect(JSON.stringify(failed)).not.toContain('stack');
  });

  it('rejects with EADDRINUSE when the port is taken', async () => {
    const server = await echoServer('127.0.0.1');
    const { logger } = memoryLogger();
    const second = startUdp({ host: '127.0.0.1', port: server.transport.address().port, logger, handler: () => {} });
    await expect(second).rejects.toThrow(/cannot bind UDP 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  });
});
