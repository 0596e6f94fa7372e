/**
 * What SIP over TCP and SIP over TLS share (RFC 3261 §18, §26): a listener that admits connections
 * up to limits.tcp.maxConnections, and per connection a TcpFramer cutting the byte stream into
 * messages, each handed to the core with a Flow that answers on the same connection (§18.2.2).
 * TLS differs only in the server that accepts the socket (tls.ts); the bytes are framed alike.
 */
import type net from 'node:net';
import type { Logger } from 'pino';
import type { Endpoint, Flow, MessageHandler } from './flow.js';
import { TcpFramer } from './tcp-framer.js';
import { toEndpoint } from './udp.js';

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

export interface StreamOptions {
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

/** The open connections of one listener and what it counted. */
export interface StreamSet {
  readonly sockets: Set<net.Socket>;
  readonly counters: TcpCounters;
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

export function newStreamSet(): StreamSet {
  return { sockets: new Set(), counters: { accepted: 0, refused: 0, framingErrors: 0 } };
}

/**
 * Admits a raw connection or destroys it at the bound. The bound is checked here rather than by
 * net.Server.maxConnections so that a reload applies to the very next connection; a TLS socket is
 * counted from its first byte, so handshakes in progress count too.
 */
export function admit(socket: net.Socket, set: StreamSet, max: number, logger: Logger, transport: string): boolean {
  if (set.sockets.size >= max) {
    set.counters.refused++;
    logger.warn({ transport, remote: socket.remoteAddress, port: socket.remotePort, max }, `${transport} connection refused: maxConnections reached`);
    socket.destroy();
    return false;
  }
  set.counters.accepted++;
  set.sockets.add(socket);
  socket.on('close', () => set.sockets.delete(socket));
  // Resets ECONNRESET, EPIPE…: routine on the Internet, and an unhandled 'error' would crash us.
  socket.on('error', (err) => logger.debug({ transport, err: err.message.slice(0, 256) }, `${transport} socket error`));
  return true;
}

/** Binds `server`; '::' also accepts IPv4 (dual stack), as for UDP. */
export function listen(server: net.Server, host: string, port: number, logger: Logger, name: string): Promise<Endpoint> {
  return new Promise((resolve, reject) => {
    const onListenError = (err: Error): void => {
      reject(new Error(`cannot listen on ${name.toUpperCase()} ${host}:${port}: ${err.message}`, { cause: err }));
    };
    server.once('error', onListenError);
    server.listen({ host, port, ipv6Only: false, exclusive: true }, () => {
      server.off('error', onListenError);
      server.on('error', (err) => logger.error({ err }, `${name} server error`));
      const a = server.address() as net.AddressInfo;
      const local = toEndpoint(a.address, a.port);
      logger.info({ local }, `${name} transport listening`);
      resolve(local);
    });
  });
}

/** Stops listening and destroys every connection. */
export function closeAll(server: net.Server, set: StreamSet): Promise<void> {
  return new Promise<void>((done) => {
    server.close(() => done());
    for (const socket of set.sockets) socket.destroy();
  });
}

/**
 * Serves one connection (a net.Socket, or a tls.TLSSocket once its handshake is done): frames its
 * bytes and hands each message to the handler with a Flow naming `transport`.
 */
export function serveStream(socket: net.Socket, opts: StreamOptions, counters: TcpCounters, transport: 'tcp' | 'tls'): void {
  const { remoteAddress, remotePort, localAddress, localPort } = socket;
  if (remoteAddress === undefined || remotePort === undefined || localAddress === undefined || localPort === undefined) {
    socket.destroy(); // the peer is already gone
    return;
  }
  const remote = toEndpoint(remoteAddress, remotePort);
  const log = opts.logger.child({ transport, remote: `${remote.address}:${remote.port}` });
  if (transport === 'tls') socket.on('error', (err) => log.debug({ err: err.message.slice(0, 256) }, 'tls socket error'));
  socket.setNoDelay(true); // responses are small and must not wait for Nagle
  socket.setTimeout(opts.limits().tcp.idleTimeoutMs);
  socket.on('timeout', () => {
    log.debug(`${transport} connection idle, closing`);
    socket.destroy();
  });

  let closing = false;
  const flow: Flow = {
    transport,
    remote,
    local: toEndpoint(localAddress, localPort),
    send(data) {
      // §18.2.2: on a connection-oriented transport the response goes back on the same connection.
      if (socket.destroyed || !socket.writable) return;
      if (socket.writableLength > MAX_PENDING_WRITE_BYTES) {
        log.warn({ pending: socket.writableLength }, `${transport} peer not reading, closing`);
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
      log.error({ err }, `${transport} message handler threw`);
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
          log.info({ contentLength: ev.contentLength, max: ev.maxBodyBytes }, `${transport} message body over limit`);
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
          log.warn({ reason: ev.reason }, `${transport} framing lost, closing`);
          socket.destroy();
          return;
      }
    }
  });
}
