/**
 * Prometheus metrics (prom-client), one registry per server so tests and several servers in one
 * process never share counters. The core reports through the CoreObserver interface; gauges read
 * the live table sizes when scraped rather than being updated on every request.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CoreObserver, AuthCounts, CoreStats, TableBytes, TableEvictions } from '../core/sip-core.js';
import type { Sip4xxServer } from '../server.js';
import type { TcpCounters } from '../transport/tcp.js';
import type { TlsCounters } from '../transport/tls.js';
import type { UdpCounters } from '../transport/udp.js';
import type { WsCounters } from '../transport/ws.js';
import { counterSources } from './counter-metrics.js';

export interface MetricSources {
  transactions(): number;
  dialogs(): number;
  tcpConnections(): number;
  /** The core's own counts (src/core/sip-core.ts), read at scrape time. */
  coreStats(): Readonly<CoreStats>;
  evictions(): TableEvictions;
  /** Bytes each byte-bounded table holds (sip4xx_table_bytes). */
  tableBytes?(): TableBytes;
  /** Failed digest credentials and requests backed off for them; absent in older callers. */
  auth?(): AuthCounts;
  /** The request journal (src/journal/): what it evicted. */
  journal?(): { readonly evictions: number };
  /** Undefined when that transport is off (server.udp / server.tcp false). */
  udp(): Readonly<UdpCounters> | undefined;
  tcp(): Readonly<TcpCounters> | undefined;
  /** TLS, WS and WSS listeners (RFC 3261 §26, RFC 7118); undefined when off. */
  tls?(): Listener<TlsCounters> | undefined;
  ws?(): Listener<WsCounters> | undefined;
  wss?(): Listener<WsCounters> | undefined;
}

/** A connection-oriented listener as /metrics reads it. */
export interface Listener<C> {
  connectionCount(): number;
  readonly counters: Readonly<C>;
}

/** What a running server gives /metrics: its tables, the core's counts, its transports' counters. */
export function sourcesOf(server: Sip4xxServer): MetricSources {
  return {
    transactions: () => server.core.tables.transactions(),
    dialogs: () => server.core.tables.dialogs(),
    tcpConnections: () => server.tcp?.connectionCount() ?? 0,
    coreStats: () => server.core.stats,
    evictions: () => server.core.tables.evictions(),
    tableBytes: () => server.core.tables.bytes(),
    auth: () => server.core.tables.auth(),
    journal: () => server.journal,
    udp: () => server.udp?.counters,
    tcp: () => server.tcp?.counters,
    tls: () => server.secure.tls,
    ws: () => server.secure.ws,
    wss: () => server.secure.wss,
  };
}

export interface Metrics {
  readonly registry: Registry;
  readonly observer: CoreObserver;
  /** Attach the live sources of the gauges and counters (once the server exists). */
  bind(sources: MetricSources): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  // Process metrics, including nodejs_eventloop_lag_seconds (README, "Operating it").
  collectDefaultMetrics({ register: registry, prefix: 'sip4xx_' });
  // The hot path only bumps plain numbers in a Map; prom-client sees them at scrape time through
  // collect(). Calling inc({labels}) per request hashed the label set every time (~2% of server
  // CPU at 10k requests/s, and label children still hash). Both maps are bounded: methods by
  // KNOWN, codes by 100–699, rules by the rule names.
  // Two levels keyed by the parts themselves (method and transport, code and rule): those are
  // constants or small integers whose hashes V8 keeps, where a joined "METHOD transport" key was a
  // new string to build, flatten and hash on every request.
  const requestCounts = new Map<string, Map<string, number>>();
  const responseCounts = new Map<number, Map<string, number>>();
  new Counter({
    name: 'sip4xx_requests_total',
    help: 'SIP requests received and parsed, by method and transport',
    labelNames: ['method', 'transport'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [method, byTransport] of requestCounts) {
        for (const [transport, n] of byTransport) this.inc({ method, transport }, n);
      }
    },
  });
  new Counter({
    name: 'sip4xx_responses_total',
    help: 'Final responses sent (first transmission, not retransmissions), by code and the rule that chose it',
    labelNames: ['code', 'rule'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, byRule] of responseCounts) {
        for (const [rule, n] of byRule) this.inc({ code: String(code), rule }, n);
      }
    },
  });
  const parseErrors = new Counter({
    name: 'sip4xx_parse_errors_total',
    help: 'Requests refused by the parser (400, 413, 414, 505)',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const dropped = new Counter({
    name: 'sip4xx_dropped_total',
    help: 'Messages dropped without an answer (responses, no Via, garbage)',
    registers: [registry],
  });
  let sources: MetricSources | undefined;
  const gauge = (name: string, help: string, read: (s: MetricSources) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        if (sources !== undefined) this.set(read(sources));
      },
    });
  gauge('sip4xx_transactions', 'Live server transactions', (s) => s.transactions());
  gauge('sip4xx_dialogs', 'Live dialogs', (s) => s.dialogs());
  gauge('sip4xx_tcp_connections', 'Open TCP connections', (s) => s.tcpConnections());
  new Gauge({
    name: 'sip4xx_connections',
    help: 'Open connections by transport (tcp, tls, ws, wss); a listener that is off has no series',
    labelNames: ['transport'] as const,
    registers: [registry],
    collect() {
      this.reset();
      if (sources === undefined) return;
      if (sources.tcp() !== undefined) this.set({ transport: 'tcp' }, sources.tcpConnections());
      for (const [transport, l] of [['tls', sources.tls?.()], ['ws', sources.ws?.()], ['wss', sources.wss?.()]] as const) {
        if (l !== undefined) this.set({ transport }, l.connectionCount());
      }
    },
  });
  counterSources(registry, () => sources);

  // Label values come from parsed requests; only a bounded set of methods is used as a label so a
  // client inventing methods cannot grow the registry without bound.
  const KNOWN = new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'SUBSCRIBE', 'NOTIFY', 'MESSAGE', 'INFO', 'UPDATE', 'REFER', 'PRACK', 'PUBLISH']);
  const observer: CoreObserver = {
    request: (method, transport) => bump(requestCounts, KNOWN.has(method) ? method : 'other', transport),
    answered: (code, rule) => bump(responseCounts, code, rule),
    parseError: (code) => parseErrors.inc({ code: String(code) }),
    dropped: () => dropped.inc(),
  };
  return {
    registry,
    observer,
    bind(s) {
      sources = s;
    },
  };
}

/** Add one to counts[a][b]. */
function bump<A>(counts: Map<A, Map<string, number>>, a: A, b: string): void {
  let inner = counts.get(a);
  if (inner === undefined) counts.set(a, (inner = new Map()));
  inner.set(b, (inner.get(b) ?? 0) + 1);
}
