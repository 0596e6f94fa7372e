/**
 * Counters the core and the transports already keep as plain numbers (CoreStats, UdpCounters,
 * TcpCounters, each table's evictions), exported as Prometheus counters read at scrape time: the hot
 * path keeps bumping its own integers and pays nothing for metrics. While a source is absent (the
 * server not bound yet, a transport turned off) an unlabelled counter reads 0 and a labelled one
 * has no series.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { TcpCounters } from '../transport/tcp.js';
import type { WsCounters } from '../transport/ws.js';
import type { MetricSources } from './metrics.js';

/** One series per label value, or a single unlabelled value. */
type Reading = number | readonly (readonly [string, number])[] | undefined;

interface CounterSpec {
  readonly name: string;
  readonly help: string;
  readonly label?: string;
  readonly read: (s: MetricSources) => Reading;
}

const SPECS: readonly CounterSpec[] = [
  {
    name: 'sip4xx_retransmissions_total',
    help: 'Retransmitted requests matched to their server transaction and answered with its last response again, or absorbed (RFC 3261 §17.2.1, §17.2.2)',
    read: (s) => s.coreStats().retransmissions,
  },
  {
    name: 'sip4xx_acks_absorbed_total',
    help: 'ACKs to a non-2xx final response absorbed by their INVITE server transaction (RFC 3261 §17.2.1)',
    read: (s) => s.coreStats().absorbedAcks,
  },
  {
    name: 'sip4xx_evictions_total',
    help: 'Entries a bounded table ended early to stay within its configured size, by table',
    label: 'table',
    read: (s) => Object.entries(s.evictions()),
  },
  {
    name: 'sip4xx_journal_evictions_total',
    help: 'Request journal entries dropped, oldest first, to stay within journal.maxEntries and journal.maxBytes',
    read: (s) => s.journal?.().evictions,
  },
  {
    name: 'sip4xx_auth_failures_total',
    help: 'Digest credentials refused with 403: wrong user or wrong password (RFC 3261 §22)',
    read: (s) => s.auth?.().failures,
  },
  {
    name: 'sip4xx_auth_throttled_total',
    help: 'Requests with credentials answered 503 with Retry-After, unverified, after auth.throttle.maxFailures failures from their address (RFC 3261 §21.5.4)',
    read: (s) => s.auth?.().throttled,
  },
  {
    name: 'sip4xx_udp_received_total',
    help: 'UDP datagrams received',
    read: (s) => s.udp()?.received,
  },
  {
    name: 'sip4xx_udp_dropped_total',
    help: 'UDP datagrams dropped by the transport: oversize (over limits.maxUdpMessageBytes, unread), handler_error, or response_too_large (over the largest UDP payload, never sent)',
    label: 'reason',
    read: (s) => {
      const u = s.udp();
      return u === undefined ? undefined : [['oversize', u.dropped], ['handler_error', u.handlerErrors], ['response_too_large', u.tooLarge ?? 0]];
    },
  },
  {
    name: 'sip4xx_retransmissions_suppressed_total',
    help: 'Timer G and 2xx retransmissions not sent: the UDP source had not earned them (docs/ARCHITECTURE.md, Reflection; RFC 3261 §17.2.1)',
    read: (s) => s.coreStats().retransmissionsSuppressed ?? 0,
  },
  {
    name: 'sip4xx_responses_too_large_total',
    help: 'Responses too large for one UDP datagram even with their Contact list shortened, answered 500 instead',
    read: (s) => s.coreStats().responsesTooLarge ?? 0,
  },
  {
    name: 'sip4xx_udp_sent_total',
    help: 'UDP datagrams handed to the socket',
    read: (s) => s.udp()?.sent,
  },
  {
    name: 'sip4xx_udp_send_errors_total',
    help: 'UDP sends that failed, synchronously or on the socket error event',
    read: (s) => s.udp()?.sendErrors,
  },
  {
    name: 'sip4xx_tcp_connections_accepted_total',
    help: 'TCP connections accepted',
    read: (s) => s.tcp()?.accepted,
  },
  {
    name: 'sip4xx_tcp_connections_refused_total',
    help: 'TCP connections closed at once because limits.tcp.maxConnections were open',
    read: (s) => s.tcp()?.refused,
  },
  {
    name: 'sip4xx_tcp_connections_refused_per_address_total',
    help: 'TCP connections closed at once because their address had limits.tcp.maxConnectionsPerAddress open',
    read: (s) => s.tcp()?.refusedPerAddress,
  },
  {
    name: 'sip4xx_tcp_slow_messages_closed_total',
    help: 'TCP connections closed because a message was not complete within limits.tcp.messageTimeoutMs of its first byte',
    read: (s) => s.tcp()?.slowClosed,
  },
  {
    name: 'sip4xx_tcp_framing_errors_total',
    help: 'TCP connections closed because their framing was lost (header block too long, bad Content-Length)',
    read: (s) => s.tcp()?.framingErrors,
  },
  {
    name: 'sip4xx_connections_accepted_total',
    help: 'Connections accepted by the TLS, WS and WSS listeners, by transport (TCP: sip4xx_tcp_connections_accepted_total)',
    label: 'transport',
    read: (s) => perListener(s, ['tls', 'ws', 'wss'], (c) => c.accepted),
  },
  {
    name: 'sip4xx_connections_refused_total',
    help: 'TLS, WS and WSS connections closed at once because limits.tcp.maxConnections were open, by transport',
    label: 'transport',
    read: (s) => perListener(s, ['tls', 'ws', 'wss'], (c) => c.refused),
  },
  {
    name: 'sip4xx_tls_handshake_errors_total',
    help: 'TLS and WSS connections closed because their TLS handshake failed or timed out, by transport',
    label: 'transport',
    read: (s) => perListener(s, ['tls', 'wss'], (c) => c.handshakeErrors),
  },
  {
    name: 'sip4xx_ws_subprotocol_refused_total',
    help: 'WebSocket handshakes refused (HTTP 400) for not offering the sip subprotocol (RFC 7118 §4.1), by transport',
    label: 'transport',
    read: (s) => perWs(s, (c) => c.protocolRefused),
  },
  {
    name: 'sip4xx_ws_oversize_total',
    help: 'WebSocket connections closed with 1009: a message over limits.maxHeaderBytes + limits.maxBodyBytes, by transport',
    label: 'transport',
    read: (s) => perWs(s, (c) => c.oversize),
  },
  {
    name: 'sip4xx_ws_multiple_messages_total',
    help: 'WebSocket connections closed with 1002: a WebSocket message holding more than one SIP message (RFC 7118 §5), by transport',
    label: 'transport',
    read: (s) => perWs(s, (c) => c.multipleMessages),
  },
  {
    name: 'sip4xx_ws_idle_closed_total',
    help: 'WebSocket connections dropped for answering neither a message nor a ping within limits.tcp.idleTimeoutMs, by transport',
    label: 'transport',
    read: (s) => perWs(s, (c) => c.idleClosed),
  },
];

type Secure = 'tls' | 'ws' | 'wss';

/** One series per listener of `names` that is on, read by `pick`. */
function perListener(s: MetricSources, names: readonly Secure[], pick: (c: Readonly<TcpCounters & { handshakeErrors: number }>) => number): (readonly [string, number])[] {
  const out: (readonly [string, number])[] = [];
  for (const t of names) {
    const c = s[t]?.()?.counters;
    if (c !== undefined) out.push([t, pick(c)]);
  }
  return out;
}

function perWs(s: MetricSources, pick: (c: Readonly<WsCounters>) => number): (readonly [string, number])[] {
  const out: (readonly [string, number])[] = [];
  for (const t of ['ws', 'wss'] as const) {
    const c = s[t]?.()?.counters;
    if (c !== undefined) out.push([t, pick(c)]);
  }
  return out;
}

/** Registers every counter of SPECS on `registry`, reading `sources()` when scraped. */
export function counterSources(registry: Registry, sources: () => MetricSources | undefined): void {
  new Gauge({
    name: 'sip4xx_table_bytes',
    help: 'Bytes a byte-bounded table holds now, by table (limits.memory.*, events.maxBytes): over budget, transactions and dialogs end their oldest entry (sip4xx_evictions_total); bindings, subscriptions and publications refuse a new one with 503',
    labelNames: ['table'],
    registers: [registry],
    collect() {
      this.reset();
      const bytes = sources()?.tableBytes?.();
      if (bytes !== undefined) for (const [table, n] of Object.entries(bytes)) this.set({ table }, n);
    },
  });
  for (const spec of SPECS) {
    new Counter({
      name: spec.name,
      help: spec.help,
      labelNames: spec.label === undefined ? [] : [spec.label],
      registers: [registry],
      collect() {
        this.reset();
        const s = sources();
        const reading = s === undefined ? undefined : spec.read(s);
        if (typeof reading === 'number') this.inc(reading);
        else if (reading !== undefined && spec.label !== undefined) {
          for (const [value, n] of reading) this.inc({ [spec.label]: value }, n);
        }
      },
    });
  }
}
