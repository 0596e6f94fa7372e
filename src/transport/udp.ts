/**
 * SIP over UDP (RFC 3261 §18): one datagram is one message, handed to the core with a Flow whose
 * `send` goes to whatever address the core computed (§18.2.2, RFC 3581 rport).
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import type { Logger } from 'pino';
import type { Endpoint, Flow, MessageHandler } from './flow.js';
import { limiterOf } from '../util/log-limit.js';
import { reusePortOption } from './reuse-port.js';

export interface UdpOptions {
  readonly host: string;
  readonly port: number;
  readonly handler: MessageHandler;
  readonly logger: Logger;
  /**
   * Larger datagrams are dropped before the core sees them (default 65535). Read per datagram, so
   * a reload takes effect for the next one.
   */
  readonly maxMessageBytes?: () => number;
}

export interface UdpCounters {
  received: number;
  /** Datagrams over maxMessageBytes, dropped unread. */
  dropped: number;
  sent: number;
  sendErrors: number;
  handlerErrors: number;
  /** Datagrams over the largest UDP payload (65,507 B to IPv4, 65,527 B to IPv6), never sent. */
  tooLarge?: number;
}

export interface UdpTransport {
  address(): Endpoint;
  close(): Promise<void>;
  readonly counters: Readonly<UdpCounters>;
}

/** Load tests push 20k+ datagrams/s; the kernel default (~200 KiB) drops bursts. */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
const IPV4_MAPPED_PREFIX = '::ffff:';

/**
 * An address as the core should see it: IPv4-mapped IPv6 (what a dual-stack socket reports for an
 * IPv4 peer) becomes plain IPv4, so `received=` and logs show the address the peer knows itself by.
 */
export function toEndpoint(address: string, port: number, family?: string): Endpoint {
  // The socket's own word for the family (rinfo.family) spares a regular-expression test of every
  // datagram's source address; only an IPv6 source can be IPv4-mapped.
  if (family === 'IPv4') return { address, port, family: 'IPv4' };
  if (address.startsWith(IPV4_MAPPED_PREFIX)) {
    const v4 = address.slice(IPV4_MAPPED_PREFIX.length);
    if (net.isIPv4(v4)) return { address: v4, port, family: 'IPv4' };
  }
  return { address, port, family: family === 'IPv6' || net.isIPv6(address) ? 'IPv6' : 'IPv4' };
}

export function startUdp(opts: UdpOptions): Promise<UdpTransport> {
  const { handler, logger } = opts;
  const maxMessageBytes = opts.maxMessageBytes ?? (() => 65535);
  const ipv6 = opts.host.includes(':');
  // dgram passes the address of every send through `lookup`. The default (dns.lookup) tests the
  // address with regular expressions and answers a literal on the next tick, per response. Until the
  // socket is bound the one address is the configured host, which may be a name; after that every
  // address is a literal (responses go to the packet's source, §18.2.2), so it is handed back as is.
  let bound = false;
  const lookup = (
    hostname: string,
    options: dns.LookupOneOptions | number,
    callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
  ): void => {
    if (!bound) dns.lookup(hostname, typeof options === 'number' ? { family: options } : options, callback);
    else callback(null, hostname, typeof options === 'number' ? options : ipv6 ? 6 : 4);
  };
  // On '::' accept IPv4 too (dual stack), so one listener serves both families.
  // reusePort (workers): this process's own socket on the shared port; `exclusive` below keeps
  // node:cluster from binding it in the primary and sharing one socket.
  const socket = dgram.createSocket({ type: ipv6 ? 'udp6' : 'udp4', ipv6Only: false, lookup, ...reusePortOption() });
  const counters: UdpCounters = { received: 0, dropped: 0, sent: 0, sendErrors: 0, handlerErrors: 0, tooLarge: 0 };
  let tooLargeLoggedAt = -Infinity;
  let local: Endpoint;

  // A failed send concerns one packet and follows the traffic: code and message only (no stack),
  // rate-limited per kind (util/log-limit.ts).
  const sendFailed = (err: Error, msg: string): void => {
    counters.sendErrors++;
    limiterOf(logger).log('warn', { code: (err as NodeJS.ErrnoException).code, reason: err.message.slice(0, 256) }, msg);
  };
  const onSent = (err: Error | null): void => {
    if (err) sendFailed(err, 'udp send failed');
  };

  const send = (data: Buffer, to: { address: string; port: number }): void => {
    // A udp6 socket cannot address an IPv4 destination directly: use its IPv4-mapped form.
    const address = ipv6 && net.isIPv4(to.address) ? IPV4_MAPPED_PREFIX + to.address : to.address;
    // The kernel refuses these (EMSGSIZE) with no word to the core; count and say so, at most
    // once per 10 s (the core answers 500 instead of such a response: docs/ARCHITECTURE.md, Reflection).
    // (The length first: net.isIPv4 is a regular expression, not to be run per response.)
    if (data.length > 65507 && data.length > (net.isIPv4(to.address) ? 65507 : 65527)) {
      counters.tooLarge = (counters.tooLarge ?? 0) + 1;
      const now = Date.now();
      if (now - tooLargeLoggedAt >= 10_000) {
        tooLargeLoggedAt = now;
        logger.warn({ bytes: data.length, to: `${to.address}:${to.port}` }, 'udp datagram too large to send; dropped');
      }
      return;
    }
    try {
      // No per-datagram callback: it costs an allocation and a callback per response at 20k/s,
      // and a failed send is reported on the socket's 'error' event, which is logged below.
      socket.send(data, to.port, address);
      counters.sent++;
    } catch (err) {
      // Thrown synchronously for a closed socket or an invalid port.
      onSent(err as Error);
    }
  };
  const noop = (): void => {};

  socket.on('message', (data, rinfo) => {
    counters.received++;
    if (data.length > maxMessageBytes()) {
      counters.dropped++;
      logger.debug({ remote: rinfo.address, port: rinfo.port, bytes: data.length }, 'udp datagram over limit dropped');
      return;
    }
    const flow: Flow = { transport: 'udp', remote: toEndpoint(rinfo.address, rinfo.port, rinfo.family), local, send, close: noop };
    try {
      handler(data, flow);
    } catch (err) {
      counters.handlerErrors++;
      logger.error({ err, remote: flow.remote }, 'udp message handler threw');
    }
  });

  return new Promise((resolve, reject) => {
    const onBindError = (err: Error): void => {
      try {
        socket.close();
      } catch {
        // never bound, nothing to release
      }
      reject(new Error(`cannot bind UDP ${opts.host}:${opts.port}: ${err.message}`, { cause: err }));
    };
    socket.once('error', onBindError);
    socket.bind({ address: opts.host, port: opts.port, exclusive: true }, () => {
      bound = true;
      socket.off('error', onBindError);
      // After bind, errors (ICMP unreachable, ENOBUFS…) concern one packet: log, never throw.
      // Sends carry no callback, so an asynchronous send failure surfaces here.
      socket.on('error', (err) => sendFailed(err, 'udp socket error'));
      setBufferSizes(socket, logger);
      const a = socket.address();
      local = toEndpoint(a.address, a.port);
      logger.info({ local }, 'udp transport listening');
      resolve({
        address: () => local,
        counters,
        close: () => new Promise<void>((done) => {
          try {
            socket.close(() => done());
          } catch {
            done(); // already closed
          }
        }),
      });
    });
  });
}

function setBufferSizes(socket: dgram.Socket, logger: Logger): void {
  // Best effort: the kernel may cap or refuse it (net.core.rmem_max); the server still works.
  for (const set of [socket.setRecvBufferSize, socket.setSendBufferSize]) {
    try {
      set.call(socket, SOCKET_BUFFER_BYTES);
    } catch (err) {
      logger.warn({ err }, 'could not enlarge udp socket buffer');
    }
  }
}
