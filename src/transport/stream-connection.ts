/**
 * What SIP over TCP and SIP over TLS share (RFC 3261 §18, §26): a listener that admits connections
 * up to limits.tcp.maxConnections, and per connection a TcpFramer cutting the byte stream into
 * messages, each handed to the core with a Flow that answers on the same connection (§18.2.2).
 * TLS differs only in the server that accepts the socket (tls.ts); the bytes are framed alike.
 *
 * No one source holds the listener: at most limits.tcp.maxConnectionsPerAddress connections per
 * remote address (every stream listener, WS and WSS included, admits through here); a message must
 * be complete within limits.tcp.messageTimeoutMs of its first byte (a one-byte-a-second sender is
 * closed); and a connection carrying only keep-alives (RFC 5626 §3.5.1 double-CRLF pings, answered
 * with CRLF) is still idle: only messages and our responses keep it open past idleTimeoutMs.
 */
import type net from 'node:net';
import type { Logger } from 'pino';
import type { Endpoint, Flow, MessageHandler } from './flow.js';
import { limiterOf } from '../util/log-limit.js';
import { connectionCap, descriptorLimit } from './tcp-fd-limit.js';
import { TcpFramer } from './tcp-framer.js';
import { toEndpoint } from './udp.js';
import { reusePortOption } from './reuse-port.js';

export interface TcpLimits {
  /** A largest header block and Content-Length for the framer (tcp-framer.ts). */
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
  readonly tcp: {
    /** Connections past this are accepted and immediately destroyed by the server. */
    readonly maxConnections: number;
    /** Connections from one remote address past this are destroyed at once. */
    readonly maxConnectionsPerAddress: number;
    /** A connection with no message either way for this long is destroyed (pings do not count). */
    readonly idleTimeoutMs: number;
    /** A message not complete this long after its first byte closes the connection. */
    readonly messageTimeoutMs: number;
  };
}

/** What admit() checks, read per connection. */
export interface AdmitLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
}

export interface TcpCounters {
  accepted: number;
  /** Connections destroyed at once because maxConnections were open. */
  refused: number;
  /** Connections destroyed at once because their address had maxConnectionsPerAddress open. */
  refusedPerAddress: number;
  /** Connections closed because a message was not complete within messageTimeoutMs. */
  slowClosed: number;
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
  /** Open connections per remote address (bounded by the connection cap). */
  readonly perAddress: Map<string, number>;
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
  return { sockets: new Set(), perAddress: new Map(), counters: { accepted: 0, refused: 0, refusedPerAddress: 0, slowClosed: 0, framingErrors: 0 } };
}

/**
 * Admits a raw connection or destroys it at the bound. The bound is checked here rather than by
 * net.Server.maxConnections so that a reload applies to the very next connection; a TLS socket is
 * counted from its first byte, so handshakes in progress count too.
 */
export function admit(socket: net.Socket, set: StreamSet, limits: AdmitLimits, logger: Logger, transport: string): boolean {
  const max = connectionCap(limits.maxConnections);
  const address = socket.remoteAddress ?? '';
  const fromAddress = set.perAddress.get(address) ?? 0;
  if (set.sockets.size >= max || fromAddress >= limits.maxConnectionsPerAddress) {
    const whole = set.sockets.size >= max;
    if (whole) set.counters.refused++;
    else set.counters.refusedPerAddress++;
    // One line per refusal would follow the flood: rate-limited per kind (util/log-limit.ts).
    const fields = { transport, remote: address, max: whole ? max : limits.maxConnectionsPerAddress };
    limiterOf(logger).log('warn', fields, whole ? 'connection refused: maxConnections reached' : 'connection refused: maxConnectionsPerAddress reached');
    socket.destroy();
    return false;
  }
  set.counters.accepted++;
  set.sockets.add(socket);
  set.perAddress.set(address, fromAddress + 1);
  socket.on('close', () => {
    set.sockets.delete(socket);
    const n = (set.perAddress.get(address) ?? 1) - 1;
    if (n <= 0) set.perAddress.delete(address);
    else set.perAddress.set(address, n);
  });
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
    server.listen({ host, port, ipv6Only: false, exclusive: true, ...reusePortOption() }, () => {
      server.off('error', onListenError);
      server.on('error', (err: NodeJS.ErrnoException) => {
        // accept() out of descriptors: the cap (tcp-fd-limit.ts) should prevent it; say so, boundedly.
        if (err.code === 'EMFILE' || err.code === 'ENFILE') {
          limiterOf(logger).log('warn', { transport: name, code: err.code, limit: descriptorLimit() }, 'accept failed: out of file descriptors');
        } else {
          limiterOf(logger).log('error', { transport: name, code: err.code, reason: err.message.slice(0, 256) }, 'server error');
        }
      });
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
  const { idleTimeoutMs, messageTimeoutMs } = opts.limits().tcp;
  // Idle: no message either way. Not socket.setTimeout, which any byte (a ping) would restart.
  let lastActive = Date.now();
  const touch = (): void => void (lastActive = Date.now());
  const checkIdle = (): void => {
    const left = lastActive + idleTimeoutMs - Date.now();
    if (left > 0) {
      idleTimer = setTimeout(checkIdle, left);
      return;
    }
    log.debug(`${transport} connection idle, closing`);
    socket.destroy();
  };
  let idleTimer = setTimeout(checkIdle, idleTimeoutMs);
  let messageTimer: ReturnType<typeof setTimeout> | undefined;
  const tooSlow = (): void => {
    counters.slowClosed++;
    limiterOf(opts.logger).log('info', { transport, remote: `${remote.address}:${remote.port}`, messageTimeoutMs }, 'message not complete in time, closing');
    socket.destroy();
  };
  socket.once('close', () => {
    clearTimeout(idleTimer);
    clearTimeout(messageTimer);
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
      touch();
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
    const wasInMessage = framer.inMessage;
    let completed = false;
    for (const ev of framer.push(chunk)) {
      switch (ev.kind) {
        case 'message':
          completed = true;
          touch();
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
          // Written directly: a pong is no activity, so pings alone let the connection go idle.
          if (!closing && !socket.destroyed && socket.writable) socket.write(PONG);
          break;
        case 'error':
          counters.framingErrors++;
          log.warn({ reason: ev.reason }, `${transport} framing lost, closing`);
          socket.destroy();
          return;
      }
    }
    // The deadline of a message runs from its first byte (a new one when another began).
    if (!framer.inMessage) {
      clearTimeout(messageTimer);
      messageTimer = undefined;
    } else if (messageTimer === undefined || completed || !wasInMessage) {
      clearTimeout(messageTimer);
      touch();
      messageTimer = setTimeout(tooSlow, messageTimeoutMs);
    }
  });
}
