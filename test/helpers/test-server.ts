/**
 * Starts the real server (src/server.ts) on an ephemeral port with an in-memory logger, and gives
 * tests UDP and TCP clients speaking to it. Every wait is bounded: a missing answer fails the test
 * with a message instead of hanging it.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { deepMerge, defaultTree, validate } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { startServer, type Sip4xxServer } from '../../src/server.js';
import type { ConfigOverrides } from './config.js';
import { memoryLogger, type MemoryLogger } from './memory-logger.js';
import { parseResponse, type ParsedResponse } from './sip-response.js';

export const DEFAULT_TIMEOUT_MS = 2000;

export interface TestServerOptions {
  /** Address to bind; default 127.0.0.1. */
  readonly host?: string;
  /** Config keys merged over the defaults (server.host/port are set for you). */
  readonly config?: ConfigOverrides;
  readonly tagKey?: Uint8Array;
  /**
   * TLS / WS / WSS ports (server.tls.port…). Default: all off, so parallel test servers do not
   * contend for 5061, 8088 and 8089; a test of those transports passes free ports.
   */
  readonly secure?: { readonly tls?: { readonly port: number }; readonly ws?: { readonly port: number }; readonly wss?: { readonly port: number } };
}

const OFF = { tls: { port: 0 }, ws: { port: 0 }, wss: { port: 0 } };

export interface UdpClient {
  /** The client's own port, for a Via sent-by without rport. */
  readonly port: number;
  readonly address: string;
  send(data: Buffer | string): void;
  /** The next datagram received, parsed (the next with this Call-ID, when given). */
  receive(timeoutMs?: number, callId?: string): Promise<ParsedResponse>;
  /**
   * send() then the first response with the request's Call-ID: over UDP an INVITE's final response
   * is retransmitted (Timer G, §17.2.1), so answers to earlier requests may still arrive.
   */
  request(data: Buffer | string, timeoutMs?: number): Promise<ParsedResponse>;
  close(): Promise<void>;
}

export interface TcpClient {
  readonly socket: net.Socket;
  /** The client's local port (for building a Via sent-by). */
  readonly port: number;
  /** Write bytes as they are (no framing added). */
  write(data: Buffer | string): Promise<void>;
  /** The next complete response (framed by its Content-Length). */
  receive(timeoutMs?: number): Promise<ParsedResponse>;
  /** write() then receive(). */
  request(data: Buffer | string, timeoutMs?: number): Promise<ParsedResponse>;
  /** Resolves when the server ends or resets the connection; rejects after the timeout. */
  closed(timeoutMs?: number): Promise<void>;
  /** Bytes received that do not yet form a complete response. */
  pending(): string;
  close(): void;
}

export interface TestServer {
  readonly server: Sip4xxServer;
  readonly host: string;
  readonly port: number;
  readonly config: Readonly<Config>;
  readonly log: MemoryLogger;
  /** One request from a fresh UDP socket; resolves with the first datagram back. */
  udpRequest(data: Buffer | string, timeoutMs?: number): Promise<ParsedResponse>;
  udpClient(): Promise<UdpClient>;
  tcpConnect(): Promise<TcpClient>;
  close(): Promise<void>;
}

function toBuffer(data: Buffer | string): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
}

/** A FIFO of values fed by events; `next` waits, bounded. */
class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiters: { accept: (v: T) => boolean; resolve: (v: T) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;

  push(v: T): void {
    const i = this.waiters.findIndex((w) => w.accept(v));
    if (i === -1) this.items.push(v);
    else this.waiters.splice(i, 1)[0]?.resolve(v);
  }

  fail(e: Error): void {
    this.failure = e;
    for (const w of this.waiters.splice(0)) w.reject(e);
  }

  /** The next item (the next one `accept`s, when given; others stay queued for later calls). */
  next(timeoutMs: number, what: string, accept: (v: T) => boolean = () => true): Promise<T> {
    const i = this.items.findIndex(accept);
    if (i !== -1) return Promise.resolve(this.items.splice(i, 1)[0] as T);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        accept,
        resolve: (v: T) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

export async function udpClientFor(host: string, port: number): Promise<UdpClient> {
  const family = net.isIPv6(host) ? 'udp6' : 'udp4';
  const socket = dgram.createSocket(family);
  const inbox = new Inbox<ParsedResponse>();
  socket.on('message', (data) => {
    try {
      inbox.push(parseResponse(data));
    } catch (err) {
      inbox.fail(err as Error);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const local = socket.address();
  let closed = false;
  const client: UdpClient = {
    port: local.port,
    address: local.address,
    send: (data) => socket.send(toBuffer(data), port, host),
    receive: (timeoutMs = DEFAULT_TIMEOUT_MS, callId) =>
      inbox.next(timeoutMs, `UDP response${callId === undefined ? '' : ` for ${callId}`} from ${host}:${port}`, (r) => callId === undefined || r.get('Call-ID') === callId),
    request(data, timeoutMs) {
      client.send(data);
      return client.receive(timeoutMs, callIdOf(data));
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        closed = true;
        socket.close(() => resolve());
      }),
  };
  return client;
}

/** The Call-ID of a request (long or compact form), or undefined. */
export function callIdOf(data: Buffer | string): string | undefined {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  return /\r\n(?:call-id|i)[ \t]*:[ \t]*([^\r]*)/i.exec(text)?.[1]?.trim();
}

/** Index one past the end of the first complete message in `buf`, or -1. */
function messageEnd(buf: Buffer): number {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd === -1) return -1;
  const head = buf.toString('latin1', 0, headEnd);
  const m = /\r\n(?:content-length|l)[ \t]*:[ \t]*(\d+)/i.exec(head);
  const length = m === null ? 0 : Number(m[1]);
  const end = headEnd + 4 + length;
  return buf.length >= end ? end : -1;
}

/**
 * A client over TCP, or over any stream `open` returns (a tls.connect() socket, `ready` then
 * 'secureConnect'): responses framed by Content-Length either way.
 */
export async function tcpClientFor(host: string, port: number, open: () => net.Socket = () => net.connect({ host, port }), ready = 'connect'): Promise<TcpClient> {
  const socket = open();
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once(ready, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', () => {}); // a reset after a 413 is expected; `closed()` reports it
  const inbox = new Inbox<ParsedResponse>();
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    // Skip CRLF keep-alive pongs between messages (RFC 5626 §3.5.1).
    while (buf.length >= 2 && buf[0] === 0x0d && buf[1] === 0x0a) buf = buf.subarray(2);
    for (let end = messageEnd(buf); end !== -1; end = messageEnd(buf)) {
      try {
        inbox.push(parseResponse(buf.subarray(0, end)));
      } catch (err) {
        inbox.fail(err as Error);
      }
      buf = buf.subarray(end);
    }
  });
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const client: TcpClient = {
    socket,
    port: socket.localPort ?? 0,
    write: (data) =>
      new Promise<void>((resolve, reject) => {
        socket.write(toBuffer(data), (err) => (err ? reject(err) : resolve()));
      }),
    receive: (timeoutMs = DEFAULT_TIMEOUT_MS) => inbox.next(timeoutMs, `TCP response from ${host}:${port}`),
    async request(data, timeoutMs) {
      await client.write(data);
      return client.receive(timeoutMs);
    },
    closed(timeoutMs = DEFAULT_TIMEOUT_MS) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`TCP connection still open after ${timeoutMs} ms`)), timeoutMs);
      });
      return Promise.race([ended, timeout]).finally(() => clearTimeout(timer));
    },
    pending: () => buf.toString('latin1'),
    close: () => void socket.destroy(),
  };
  return client;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const host = opts.host ?? '127.0.0.1';
  const config = validate(deepMerge(deepMerge(defaultTree(), opts.config ?? {}), { server: { host, port: 0, ...OFF, ...opts.secure } }), 'test');
  const log = memoryLogger('debug');
  const server = await startServer({ config, logger: log.logger, tagKey: opts.tagKey });
  const port = server.address().port;
  const clients: { close(): unknown }[] = [];
  return {
    server,
    host,
    port,
    config,
    log,
    async udpRequest(data, timeoutMs) {
      const client = await udpClientFor(host, port);
      try {
        return await client.request(data, timeoutMs);
      } finally {
        await client.close();
      }
    },
    async udpClient() {
      const c = await udpClientFor(host, port);
      clients.push(c);
      return c;
    },
    async tcpConnect() {
      const c = await tcpClientFor(host, port);
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await server.close();
    },
  };
}

/** Whether this host can bind ::1 for both UDP and TCP (containers often have IPv6 disabled). */
export async function canBindIpv6Loopback(): Promise<boolean> {
  const udp = dgram.createSocket('udp6');
  const tcp = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '::1', () => resolve());
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '::1', () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    try {
      udp.close();
    } catch {
      // never bound
    }
    tcp.close();
  }
}
