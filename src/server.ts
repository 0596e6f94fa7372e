/**
 * Wires the layers once: transports → core → rules. Owns the sockets' lifecycle; knows nothing of
 * process signals or argv (main.ts).
 */
import { hostname, networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import { deepFreeze } from './config/load.js';
import { describeChanges, keepRestartOnly, restartOnlyChanges, type RestartOnlyChange } from './config/restart-only.js';
import type { Config } from './config/schema.js';
import { bounded } from './core/log-fields.js';
import type { SharedServices } from './core/services.js';
import { createCore, type CoreObserver, type SipCore } from './core/sip-core.js';
import { Journal } from './journal/journal.js';
import { buildPipeline } from './rules/pipeline.js';
import { parseHostPort } from './sip/parse-host.js';
import type { Endpoint } from './transport/flow.js';
import { startSecureListeners, type SecureListeners } from './transport/listeners.js';
import { startTcp, type TcpTransport } from './transport/tcp.js';
import { startUdp, type UdpTransport } from './transport/udp.js';
import { systemClock } from './util/clock.js';
import { fullCollection, startIdleCollection } from './util/idle-collect.js';

export interface Sip4xxServer {
  readonly core: SipCore;
  /** Requests received and the responses sent (GET /api/requests); records while journal.enabled. */
  readonly journal: Journal;
  readonly udp: UdpTransport | undefined;
  readonly tcp: TcpTransport | undefined;
  /** TLS, WS and WSS, each undefined when its port is 0 or could not be bound. */
  readonly secure: SecureListeners;
  /** The bound address (UDP and TCP share the port). */
  address(): Endpoint;
  config(): Readonly<Config>;
  /** 'ready' once bound; 'draining' after drain() began. */
  state(): 'ready' | 'draining';
  /**
   * Swap in a new (already validated) configuration; live traffic picks it up at once, except the
   * restart-only keys (src/config/restart-only.ts), which keep their running values: those it
   * would have changed are returned and logged as one warning.
   */
  reload(next: Readonly<Config>): readonly RestartOnlyChange[];
  /**
   * Graceful stop: refuse new requests (503), wait until no transaction is owed a final response
   * or `timeoutMs` passes (then answer the rest 503), and close. Resolves with the number of
   * transactions that were still pending when the drain began.
   */
  drain(timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}

export interface ServerOptions {
  readonly config: Readonly<Config>;
  readonly logger: Logger;
  readonly now?: () => number;
  /** To-tag key (src/sip/to-tag.ts, ≥ 16 bytes; random by default): processes serving as one pass the same. */
  readonly tagKey?: Uint8Array;
  readonly observer?: CoreObserver;
  /** The journal to record into (main.ts creates it before the admin server); else a new one. */
  readonly journal?: Journal;
  /** State shared with the other workers on the same ports (src/cluster/worker.ts). */
  readonly shared?: SharedServices;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** Names and addresses by which this host may appear in a Via (loop detection). */
export function localIdentities(config: Readonly<Config>): Set<string> {
  const ids = new Set<string>(config.server.aliases.map((a) => a.toLowerCase()));
  // The advertised address is ours too: our Contacts name it, so a Via naming it is us.
  const advertised = config.server.advertise === '' ? undefined : parseHostPort(config.server.advertise, 0, config.server.advertise.length);
  if (advertised !== undefined) ids.add(advertised.host.toLowerCase());
  const host = config.server.host;
  if (!WILDCARDS.has(host)) ids.add(host.includes(':') ? `[${host.toLowerCase()}]` : host.toLowerCase());
  else {
    for (const list of Object.values(networkInterfaces())) {
      for (const ni of list ?? []) ids.add(ni.family === 'IPv6' ? `[${ni.address.toLowerCase()}]` : ni.address);
    }
    ids.add(hostname().toLowerCase());
  }
  return ids;
}

/** A configured value as logged: text cut at the log field bound, anything else as is. */
function boundedValue(v: unknown): unknown {
  return typeof v === 'string' ? bounded(v) : v;
}

export async function startServer(opts: ServerOptions): Promise<Sip4xxServer> {
  let config = opts.config;
  buildPipeline(config.pipeline); // refuse an unknown rule name before binding anything
  const log = opts.logger;
  let identities = localIdentities(config);
  const journal = opts.journal ?? new Journal(() => config.journal, opts.now);
  const core = createCore({
    config: () => config,
    logger: log,
    identities: () => identities,
    // Digest nonces (the auth rule's and sip:401@host's alike) come from the core's services.
    clock: opts.now === undefined ? undefined : { ...systemClock, now: opts.now },
    tagKey: opts.tagKey,
    observer: opts.observer,
    journal,
    shared: opts.shared,
  });
  const handler = core.handle;
  const { host } = config.server;
  // TLS and WebSocket first (the certificate takes a moment to generate): once UDP answers, every
  // listener is up, and the caller's next step (main.ts: signal handlers) follows at once.
  let secure: SecureListeners;
  try {
    secure = await startSecureListeners({ config: () => config, handler, logger: log, names: () => identities });
  } catch (err) {
    core.close();
    throw err;
  }
  let udp: UdpTransport | undefined;
  let tcp: TcpTransport | undefined;
  let port = config.server.port;
  // Port 0 asks for a free port: take UDP's and bind TCP to the same one, retrying on a clash.
  for (let attempt = 0; ; attempt++) {
    try {
      if (config.server.udp) {
        udp = await startUdp({ host, port, handler, logger: log, maxMessageBytes: () => config.limits.maxUdpMessageBytes });
        port = udp.address().port;
      }
      if (config.server.tcp) {
        tcp = await startTcp({ host, port, handler, logger: log, limits: () => config.limits });
        port = tcp.address().port;
      }
      break;
    } catch (err) {
      await udp?.close();
      udp = undefined;
      if (config.server.port !== 0 || attempt >= 5) {
        await secure.close();
        core.close();
        throw err;
      }
      port = 0;
    }
  }
  const bound = (udp ?? tcp)?.address();
  if (bound === undefined) {
    await secure.close();
    core.close();
    throw new Error('nothing to listen on: server.udp and server.tcp are both false');
  }
  const portOf = (t: { address(): Endpoint } | undefined) => t?.address().port;
  log.info(
    { host, port: bound.port, udp: udp !== undefined, tcp: tcp !== undefined, tls: portOf(secure.tls), ws: portOf(secure.ws), wss: portOf(secure.wss) },
    'listening',
  );
  // After a flood, one full collection once the server is idle (src/util/idle-collect.ts).
  const stats = core.stats;
  const idle = startIdleCollection({
    clock: systemClock,
    // `requests` counts those the parser refused too (they are answered); `dropped` the rest.
    messages: () => stats.requests + stats.dropped,
    transactions: () => core.tables.transactions(),
    maxWaitMs: () => 64 * config.transactions.t1Ms,
    collect: () => log.info(fullCollection(), 'idle after a flood: one full garbage collection'),
  });
  let state: 'ready' | 'draining' = 'ready';
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    idle.stop();
    await Promise.all([udp?.close(), tcp?.close(), secure.close()]);
    core.close();
  };
  return {
    core,
    journal,
    udp,
    tcp,
    secure,
    address: () => bound,
    config: () => config,
    state: () => state,
    reload(next) {
      buildPipeline(next.pipeline);
      const changes = restartOnlyChanges(config, next);
      config = changes.length === 0 ? next : deepFreeze(keepRestartOnly(next, changes));
      identities = localIdentities(config);
      secure.reloadCredentials(config);
      if (changes.length > 0) {
        const keys = changes.map((c) => ({ key: c.key, from: boundedValue(c.from), to: boundedValue(c.to) }));
        log.warn({ restartOnly: keys }, bounded(`restart-only keys keep their running values until restart: ${describeChanges(changes)}`, 1024));
      }
      return changes;
    },
    async drain(timeoutMs) {
      state = 'draining';
      core.startDraining();
      const pending = core.tables.pendingFinals();
      const deadline = Date.now() + timeoutMs;
      while (core.tables.pendingFinals() > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, deadline - Date.now()))));
      }
      core.abortPending();
      // Let the last responses leave the sockets before closing them.
      await new Promise((r) => setImmediate(r));
      await close();
      return pending;
    },
    close,
  };
}
