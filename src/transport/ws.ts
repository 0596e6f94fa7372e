/**
 * SIP over WebSocket, plain (WS) and over TLS (WSS): RFC 7118, built on the `ws` package. The
 * handshake must offer the `sip` subprotocol (§4.1); each WebSocket message is one SIP message
 * (§5), handed to the core with a Flow that answers on the same connection whatever the Via says
 * (a browser's sent-by is usually an unresolvable `.invalid` host, §5.2 of the same RFC).
 *
 * Bounds, like TCP's: connections (from their first byte, handshakes included) at
 * limits.tcp.maxConnections, a message at limits.maxHeaderBytes + limits.maxBodyBytes (a larger
 * one closes the connection with 1009, RFC 6455 §7.4.1), and a peer that answers neither a message
 * nor our ping within limits.tcp.idleTimeoutMs is dropped, so half-open connections do not pile up.
 */
import { isUtf8 } from 'node:buffer';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Endpoint, Flow } from './flow.js';
import { admit, closeAll, listen, newStreamSet, type StreamOptions, type TcpCounters } from './stream-connection.js';
import { toEndpoint } from './udp.js';
import { sipMessageOf } from './ws-message.js';

export interface WsCounters extends TcpCounters {
  /** Handshakes refused because they did not offer the `sip` subprotocol. */
  protocolRefused: number;
  /** Connections closed with 1009: a message over the size bound. */
  oversize: number;
  /** Connections closed with 1002: a WebSocket message holding more than one SIP message. */
  multipleMessages: number;
  /** Connections dropped for answering nothing within the idle timeout. */
  idleClosed: number;
  /** WSS only: failed TLS handshakes. */
  handshakeErrors: number;
}

export interface WsOptions extends StreamOptions {
  /** Present for WSS: the certificate and key (certificate.ts). */
  readonly credentials?: tls.SecureContextOptions;
}

export interface WsTransport {
  address(): Endpoint;
  close(): Promise<void>;
  connectionCount(): number;
  readonly counters: Readonly<WsCounters>;
  /** WSS: new connections use these credentials; a no-op for WS. */
  setCredentials(credentials: tls.SecureContextOptions): void;
}

/** A peer that stops reading while we keep answering is dropped rather than buffered forever. */
const MAX_PENDING_WRITE_BYTES = 1024 * 1024;
/** RFC 7118 §4.1: the subprotocol a SIP WebSocket client must ask for. */
const SUBPROTOCOL = 'sip';
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * RFC 7118 §4.1: the client MUST include "sip" in Sec-WebSocket-Protocol. RFC 6455 §4.2.1: a
 * handshake the server does not accept is answered with an HTTP error "such as 400 Bad Request".
 */
const REFUSE_SUBPROTOCOL = Buffer.from(
  'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 38\r\n\r\nSec-WebSocket-Protocol must offer sip\n',
  'latin1',
);

export function offersSip(header: string | undefined): boolean {
  return header !== undefined && header.split(',').some((p) => p.trim() === SUBPROTOCOL);
}

export async function startWs(opts: WsOptions): Promise<WsTransport> {
  const { logger } = opts;
  const transport = opts.credentials === undefined ? 'ws' : 'wss';
  const set = newStreamSet();
  const counters: WsCounters = Object.assign(set.counters, { protocolRefused: 0, oversize: 0, multipleMessages: 0, idleClosed: 0, handshakeErrors: 0 });
  const open = new Set<WebSocket>();
  const frameLimit = (): number => opts.limits().maxHeaderBytes + opts.limits().maxBodyBytes;
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: frameLimit(),
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  const server =
    opts.credentials === undefined ? http.createServer() : https.createServer({ ...opts.credentials, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
  server.on('connection', (raw: net.Socket) => {
    admit(raw, set, opts.limits().tcp, logger, transport);
  });
  server.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
    counters.handshakeErrors++;
    logger.debug({ transport, remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, err: err.message.slice(0, 256) }, 'tls handshake failed, closing');
    socket.destroy();
  });
  // Anything but an upgrade: RFC 7231 §6.5.15, 426 names the protocol to switch to.
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(426, { Upgrade: 'websocket', Connection: 'Upgrade', 'Content-Type': 'text/plain' });
    res.end('SIP over WebSocket (RFC 7118): upgrade with Sec-WebSocket-Protocol: sip\n');
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    if (!offersSip(req.headers['sec-websocket-protocol'])) {
      counters.protocolRefused++;
      logger.debug({ transport, remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}` }, 'websocket handshake without the sip subprotocol refused');
      socket.end(REFUSE_SUBPROTOCOL);
      return;
    }
    // A reload of the limits applies to the next connection.
    wss.options.maxPayload = frameLimit();
    wss.handleUpgrade(req, socket, head, (ws) => serveWs(ws, socket));
  });

  function serveWs(ws: WebSocket, socket: net.Socket): void {
    const { remoteAddress, remotePort, localAddress, localPort } = socket;
    if (remoteAddress === undefined || remotePort === undefined || localAddress === undefined || localPort === undefined) {
      ws.terminate();
      return;
    }
    const remote = toEndpoint(remoteAddress, remotePort);
    const log = logger.child({ transport, remote: `${remote.address}:${remote.port}` });
    open.add(ws);
    let alive = true;
    const idleMs = opts.limits().tcp.idleTimeoutMs;
    const watchdog = setInterval(() => {
      if (!alive) {
        counters.idleClosed++;
        log.debug({ idleMs }, 'websocket peer silent, closing');
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, idleMs);
    watchdog.unref();
    ws.on('close', () => {
      clearInterval(watchdog);
      open.delete(ws);
    });
    ws.on('pong', () => (alive = true));
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        counters.oversize++;
        log.info({ max: frameLimit() }, 'websocket message over limit, closed with 1009');
      } else {
        log.debug({ err: err.message.slice(0, 256) }, 'websocket error');
      }
    });

    const flow: Flow = {
      transport,
      remote,
      local: toEndpoint(localAddress, localPort),
      send(data) {
        // §18.2.2: responses go back on the connection the request came on.
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > MAX_PENDING_WRITE_BYTES) {
          log.warn({ pending: ws.bufferedAmount }, 'websocket peer not reading, closing');
          ws.terminate();
          return;
        }
        // RFC 7118 §5: text or binary frames; a text frame must be UTF-8 (RFC 6455 §5.6).
        ws.send(data, { binary: !isUtf8(data) });
      },
      close() {
        if (ws.readyState === ws.OPEN) ws.close(1000);
      },
    };

    ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
      alive = true;
      const frame = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
      const verdict = sipMessageOf(frame);
      if (verdict.kind === 'empty') return;
      if (verdict.kind === 'several') {
        counters.multipleMessages++;
        log.info({ extraBytes: verdict.extraBytes }, 'websocket message holds more than one SIP message (RFC 7118 §5), closing with 1002');
        ws.close(1002, 'one SIP message per WebSocket message');
        return;
      }
      try {
        opts.handler(verdict.data, flow);
      } catch (err) {
        log.error({ err }, 'message handler threw');
      }
    });
  }

  const local = await listen(server, opts.host, opts.port, logger, transport);
  return {
    address: () => local,
    connectionCount: () => open.size,
    counters,
    setCredentials(credentials) {
      if (server instanceof https.Server) server.setSecureContext(credentials);
    },
    async close() {
      for (const ws of open) ws.terminate();
      wss.close();
      await closeAll(server, set);
    },
  };
}
