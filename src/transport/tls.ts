/**
 * SIP over TLS (RFC 3261 §26.2.1, §18): a TLS server whose connections, once the handshake is done,
 * are framed and answered exactly like TCP ones (stream-connection.ts). Connections are counted
 * against limits.tcp.maxConnections from their first byte, so a flood of handshakes is bounded
 * too. A handshake that fails (a plain-TCP client, garbage, an old protocol) costs one debug line
 * and the connection.
 */
import tls from 'node:tls';
import type { Endpoint } from './flow.js';
import { admit, closeAll, listen, newStreamSet, serveStream, type StreamOptions, type TcpCounters } from './stream-connection.js';

export interface TlsCounters extends TcpCounters {
  /** Connections closed because their TLS handshake failed or timed out. */
  handshakeErrors: number;
}

export interface TlsOptions extends StreamOptions {
  /** Certificate, key and (optional) CA in PEM, and whether to ask the client for a certificate. */
  readonly credentials: tls.SecureContextOptions;
  readonly requestClientCert: boolean;
}

export interface TlsTransport {
  address(): Endpoint;
  close(): Promise<void>;
  connectionCount(): number;
  readonly counters: Readonly<TlsCounters>;
  /** New connections use these credentials (a renewed certificate); open ones keep theirs. */
  setCredentials(credentials: tls.SecureContextOptions): void;
}

/** A client that has not finished its handshake by then is dropped. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export async function startTls(opts: TlsOptions): Promise<TlsTransport> {
  const { logger } = opts;
  const set = newStreamSet();
  const counters: TlsCounters = Object.assign(set.counters, { handshakeErrors: 0 });
  const server = tls.createServer({
    ...opts.credentials,
    requestCert: opts.requestClientCert,
    // A client certificate is asked for, not required: §26.2.1 leaves mutual TLS to the deployment.
    rejectUnauthorized: false,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
  });
  server.on('connection', (raw) => {
    admit(raw, set, opts.limits().tcp, logger, 'tls');
  });
  server.on('secureConnection', (socket) => {
    try {
      serveStream(socket, opts, counters, 'tls');
    } catch (err) {
      logger.error({ err }, 'tls connection setup failed');
      socket.destroy();
    }
  });
  server.on('tlsClientError', (err, socket) => {
    counters.handshakeErrors++;
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    logger.debug({ transport: 'tls', remote, err: err.message.slice(0, 256) }, 'tls handshake failed, closing');
    socket.destroy();
  });
  const local = await listen(server, opts.host, opts.port, logger, 'tls');
  return {
    address: () => local,
    connectionCount: () => set.sockets.size,
    counters,
    close: () => closeAll(server, set),
    setCredentials: (credentials) => server.setSecureContext(credentials),
  };
}
