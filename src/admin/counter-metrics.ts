/**
 * Counters the core and the transports already keep as plain numbers (CoreStats, UdpCounters,
 * TcpCounters, each table's evictions), exported as Prometheus counters read at scrape time: the hot
 * path keeps bumping its own integers and pays nothing for metrics. While a source is absent (the
 * server not bound yet, a transport turned off) an unlabelled counter reads 0 and a labelled one
 * has no series.
 */
import { Counter, type Registry } from 'prom-client';
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
    name: 'sip4xx_udp_received_total',
    help: 'UDP datagrams received',
    read: (s) => s.udp()?.received,
  },
  {
    name: 'sip4xx_udp_dropped_total',
    help: 'UDP datagrams dropped by the transport: oversize (over limits.maxUdpMessageBytes, unread) or handler_error',
    label: 'reason',
    read: (s) => {
      const u = s.udp();
      return u === undefined ? undefined : [['oversize', u.dropped], ['handler_error', u.handlerErrors]];
    },
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
    name: 'sip4xx_tcp_framing_errors_total',
    help: 'TCP connections closed because their framing was lost (header block too long, bad Content-Length)',
    read: (s) => s.tcp()?.framingErrors,
  },
];

/** Registers every counter of SPECS on `registry`, reading `sources()` when scraped. */
export function counterSources(registry: Registry, sources: () => MetricSources | undefined): void {
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
