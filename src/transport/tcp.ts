/**
 * SIP over TCP (RFC 3261 §18): each admitted connection is served by stream-connection.ts, which
 * frames the stream and answers on the same connection (§18.2.2).
 */
import net from 'node:net';
import type { Endpoint } from './flow.js';
import { admit, closeAll, listen, newStreamSet, serveStream, type StreamOptions, type TcpCounters } from './stream-connection.js';
import { connectionCap, descriptorLimit, DESCRIPTOR_RESERVE } from './tcp-fd-limit.js';

export type { TcpCounters, TcpLimits } from './stream-connection.js';
export type TcpOptions = StreamOptions;

export interface TcpTransport {
  address(): Endpoint;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
  connectionCount(): number;
  readonly counters: Readonly<TcpCounters>;
}

export async function startTcp(opts: TcpOptions): Promise<TcpTransport> {
  const { logger } = opts;
  const max = opts.limits().tcp.maxConnections;
  if (connectionCap(max) < max) {
    // Past the descriptor limit accepts fail silently (libuv drops them) and /healthz with them.
    logger.warn({ maxConnections: max, openFilesLimit: descriptorLimit(), reserve: DESCRIPTOR_RESERVE, effective: connectionCap(max) }, 'limits.tcp.maxConnections over the descriptor limit (ulimit -n); connections capped lower');
  }
  const set = newStreamSet();
  const server = net.createServer((socket) => {
    if (!admit(socket, set, opts.limits().tcp, logger, 'tcp')) return;
    try {
      serveStream(socket, opts, set.counters, 'tcp');
    } catch (err) {
      logger.error({ err }, 'tcp connection setup failed');
      socket.destroy();
    }
  });
  const local = await listen(server, opts.host, opts.port, logger, 'tcp');
  return {
    address: () => local,
    connectionCount: () => set.sockets.size,
    counters: set.counters,
    close: () => closeAll(server, set),
  };
}
