/**
 * SIP over TCP (RFC 3261 §18): a TcpFramer per connection cuts the stream into messages; each
 * goes to the core with a Flow that answers on the same connection (§18.2.2).
 */
import net from 'node:net';
import type { Logger } from 'pino';
import type { Endpoint, Flow, MessageHandler } from './flow.js';
import { TcpFramer } from './tcp-framer.js';
import { toEndpoint } from './udp.js';

export interface TcpOptions {
  readonly host: string;
  readonly port: number;
  readonly handler: MessageHandler;
  readonly logger: Logger;
  /**
   * Read when each connection opens (maxConnections, idleTimeoutMs) and when its framer starts a
   * message (maxHeaderBytes, maxBodyBytes), so a reload takes effect for the next of each.
   */
  readonly limits: () => TcpLimits;
}

export interface TcpLimits {
  /** A largest header block and Content-Length for the framer (tcp-framer.ts). */
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
  readonly tcp: {
    /** Connections past this are accepted and immediately destroyed by the server. */
    readonly maxConnections: number;
    /** A connection with no traffic either way for this long is destroyed. */
    readonly idleTimeoutMs: number;
  };
}

export interface TcpCounters {
  accepted: number;
  /** Connections destroyed at once because maxConnections were open. */
  refused: number;
  /** Connections closed because their framing was lost (tcp-framer.ts `error`). */
  framingErrors: number;
}

export interface TcpTransport {
  address(): Endpoint;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
  connectionCount(): number;
  readonly counters: Readonly<TcpCounters>;
}

/**
 * After flow.close() we send FIN once pending writes are flushed and keep reading (and discarding)
 * so the kernel does not answer unread bytes with a RST that could destroy the 413 in flight; the
 * socket is destroyed when the peer closes or after this grace.
 */
const CLOSE_GRACE_MS = 2000;
/** A peer that stops reading while we keep answering is dropped rather than buffered forever. */
const MAX_PENDING_WRITE_BYTES = 1024 * 1024;
/** RFC 5626 §3.5.1: the pong answering a double-CRLF ping is a single CRLF. */
const PONG = Buffer.from('\r\n', 'latin1');

export function startTcp(opts: TcpOptions): Promise<TcpTransport> {
  const { logger } = opts;
  const connections = new Set<net.Socket>();
  const counters: TcpCounters = { accepted: 0, refused: 0, framingErrors: 0 };
  // The bound is checked here rather than by net.Server.maxConnections so that a reload applies to
  // the very next connection.
  const server = net.createServer((socket) => {
    const max = opts.limits().tcp.maxConnections;
    if (connections.size >= max) {
      counters.refused++;
      logger.warn({ remote: socket.remoteAddress, port: socket.remotePort, max }, 'tcp connection refused: maxConnections reached');
      socket.destroy();
      return;
    }
    counters.accepted++;
    try {
      serveConnection(socket, opts, connections, counters);
    } catch (err) {
      logger.error({ err }, 'tcp connection setup failed');
      socket.destroy();
    }
  });

  return new Promise((resolve, reject) => {
    const onListenError = (err: Error): void => {
      reject(new Error(`cannot listen on TCP ${opts.host}:${opts.port}: ${err.message}`, { cause: err }));
    };
    server.once('error', onListenError);
    // '::' also accepts IPv4 (dual stack), as for UDP.
    server.listen({ host: opts.host, port: opts.port, ipv6Only: false, exclusive: true }, () => {
      server.off('error', onListenError);
      server.on('error', (err) => logger.error({ err }, 'tcp server error'));
      const a = server.address() as net.AddressInfo;
      const local = toEndpoint(a.address, a.port);
      logger.info({ local }, 'tcp transport listening');
      resolve({
        address: () => local,
        connectionCount: () => connections.size,
        counters,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          for (const socket of connections) socket.destroy();
        }),
      });
    });
  });
}

function serveConnection(socket: net.Socket, opts: TcpOptions, connections: Set<net.Socket>, counters: TcpCounters): void {
  const { remoteAddress, remotePort, localAddress, localPort } = socket;
  if (remoteAddress === undefined || remotePort === undefined || localAddress === undefined || localPort === undefined) {
    socket.destroy(); // the peer is already gone
    return;
  }
  const remote = toEndpoint(remoteAddress, remotePort);
  const log = opts.logger.child({ transport: 'tcp', remote: `${remote.address}:${remote.port}` });
  connections.add(socket);
  socket.on('close', () => connections.delete(socket));
  // Resets ECONNRESET, EPIPE…: routine on the Internet, and an unhandled 'error' would crash us.
  socket.on('error', (err) => log.debug({ err }, 'tcp socket error'));
  socket.setNoDelay(true); // responses are small and must not wait for Nagle
  socket.setTimeout(opts.limits().tcp.idleTimeoutMs);
  socket.on('timeout', () => {
    log.debug('tcp connection idle, closing');
    socket.destroy();
  });

  let closing = false;
  const flow: Flow = {
    transport: 'tcp',
    remote,
    local: toEndpoint(localAddress, localPort),
    send(data) {
      // §18.2.2: on a connection-oriented transport the response goes back on the same connection.
      if (socket.destroyed || !socket.writable) return;
      if (socket.writableLength > MAX_PENDING_WRITE_BYTES) {
        log.warn({ pending: socket.writableLength }, 'tcp peer not reading, closing');
        socket.destroy();
        return;
      }
      socket.write(data);
    },
    close() {
      if (closing || socket.destroyed) return;
      closing = true;
      socket.end();
      const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    },
  };

  const framer = new TcpFramer(opts.limits);
  const deliver = (data: Buffer): void => {
    try {
      opts.handler(data, flow);
    } catch (err) {
      log.error({ err }, 'tcp message handler threw');
    }
  };

  socket.on('data', (chunk: Buffer) => {
    for (const ev of framer.push(chunk)) {
      switch (ev.kind) {
        case 'message':
          deliver(ev.data);
          break;
        case 'oversize':
          // The core answers 413 from these headers (§21.4.11) and calls flow.close().
          log.info({ contentLength: ev.contentLength, max: ev.maxBodyBytes }, 'tcp message body over limit');
          deliver(ev.data);
          // Backstop: the framer now discards everything, so a peer that keeps sending would
          // never go idle; if the core has not closed the connection, close it ourselves.
          setTimeout(() => flow.close(), CLOSE_GRACE_MS).unref();
          break;
        case 'pong':
          if (!closing) flow.send(PONG, remote);
          break;
        case 'error':
          counters.framingErrors++;
          log.warn({ reason: ev.reason }, 'tcp framing lost, closing');
          socket.destroy();
          return;
      }
    }
  });
}
