/**
 * One worker process (README, "Workers"): the SIP server of src/server.ts on the shared ports, each
 * listener its own socket (SO_REUSEPORT), with a replica of the shared state (shared-state.ts) that
 * its rules read locally. A change its rules make goes to the primary, and the request's responses
 * wait until every worker holds it (core/response-gate.ts); the primary's changes arrive as `apply`.
 * Nothing here runs for a request that changes nothing: the INVITE → 486 → ACK path sends no message.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Setting } from '../config/load.js';
import { ResponseGate } from '../core/response-gate.js';
import type { JournalEntry } from '../journal/journal.js';
import { entryJson, select } from '../journal/query.js';
import { limiterOf } from '../util/log-limit.js';
import { createMetrics, sourcesOf } from '../admin/metrics.js';
import { startServer, type Sip4xxServer } from '../server.js';
import { setReusePort } from '../transport/reuse-port.js';
import { isMessage, type FromWorker, type Ports, type Query, type ToWorker } from './messages.js';
import { SharedState, type StateOp } from './shared-state.js';

/** A change not acknowledged by then lets its responses go anyway (the primary may be gone). */
const ACK_TIMEOUT_MS = 2000;
/** Journal events on their way to the primary at most, in count and in bytes of SIP messages. */
const MAX_EVENTS_IN_FLIGHT = 1024;
const MAX_EVENT_BYTES_IN_FLIGHT = 4 * 1024 * 1024;

export interface WorkerOptions {
  /** The configuration as the primary's, with `extra` (the shared ports) laid over it. */
  readonly load: (extra: readonly Setting[]) => Readonly<Config>;
  readonly logger: Logger;
  /** Stop the process: drain, flush the log, exit with this status (main.ts). */
  readonly exit: (code: number) => Promise<never>;
  /** A one-line reason to stderr and exit 2 (main.ts), for a failure to start. */
  readonly fail: (err: unknown, config: Readonly<Config>) => never;
}

/** Whether the message is on its way: false from process.send() only means a backlog, still delivered. */
function send(m: FromWorker): boolean {
  if (process.send === undefined || !process.connected) return false;
  process.send(m);
  return true;
}

function portSettings(p: Ports | undefined): Setting[] {
  if (p === undefined) return [];
  const at = (path: string[], value: number | undefined): Setting[] => (value === undefined ? [] : [{ path, value, source: 'the primary (shared ports)' }]);
  return [...at(['server', 'port'], p.port), ...at(['server', 'tls', 'port'], p.tls), ...at(['server', 'ws', 'port'], p.ws), ...at(['server', 'wss', 'port'], p.wss)];
}

function waitForInit(): Promise<Extract<ToWorker, { t: 'init' }>> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown): void => {
      if (!isMessage<ToWorker>(m) || m.t !== 'init') return;
      process.off('message', onMessage);
      resolve(m);
    };
    process.on('message', onMessage);
    send({ t: 'hello' });
  });
}

export async function runWorker(opts: WorkerOptions): Promise<void> {
  const init = await waitForInit();
  const logger = opts.logger.child({ worker: init.index });
  const extra = portSettings(init.ports);
  const config = opts.load(extra);
  const gate = new ResponseGate();
  let nextId = 1;
  const waiting = new Map<number, () => void>();
  const emit = (op: StateOp): Promise<void> => {
    // A match count changes nothing the next request is matched by, but for a stub with `times`,
    // which two workers could overrun at the same instant anyway: it goes on unacknowledged, and
    // the responses do not wait for it. The API reads counts on the primary after `sync`.
    if (op.k === 'hit') {
      send({ t: 'op', id: 0, op });
      return Promise.resolve();
    }
    const id = nextId++;
    const acked = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        logger.warn({ op: op.k }, 'shared state change not acknowledged in time; answering anyway');
        resolve();
      }, ACK_TIMEOUT_MS);
      waiting.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (!send({ t: 'op', id, op })) waiting.get(id)?.();
    gate.hold(acked);
    return acked;
  };
  let server: Sip4xxServer | undefined;
  const state = new SharedState(emit, () => (server?.config() ?? config).rules, () => server?.journal.clear());
  state.load(init.snapshot);
  const metrics = createMetrics();
  // Changes and acknowledgements apply from now on, while the listeners bind (the primary counts
  // this worker in from its `init`); what needs the server waits for it.
  const early: ToWorker[] = [];
  const serving: { handle?: (m: ToWorker) => void } = {};
  process.on('message', (m: unknown) => {
    if (!isMessage<ToWorker>(m)) return;
    if (m.t === 'apply') {
      state.apply(m.op);
      send({ t: 'applied', seq: m.seq });
    } else if (m.t === 'ack') {
      waiting.get(m.id)?.();
      waiting.delete(m.id);
    } else if (serving.handle === undefined) early.push(m);
    else serving.handle(m);
  });
  setReusePort(true);
  try {
    server = await startServer({
      config,
      logger,
      observer: metrics.observer,
      // The To-tag key too: a request's retransmission or ACK may reach another worker (TCP reconnects).
      tagKey: Buffer.from(init.tagKey, 'hex'),
      shared: { registrar: state.registrar, stubs: state.stubs, nonceSecret: Buffer.from(init.nonceSecret, 'hex'), gate },
    });
  } catch (err) {
    opts.fail(err, config);
  }
  metrics.bind(sourcesOf(server));
  const running = server;
  let stopEvents: (() => void) | undefined;
  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    const timeoutMs = running.config().server.drainTimeoutMs;
    logger.info({ why, drainTimeoutMs: timeoutMs }, 'worker stopping: draining live transactions');
    running.drain(timeoutMs).then(
      (pending) => {
        logger.info({ pendingAtStart: pending }, 'worker stopped');
        return opts.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        return opts.exit(1);
      },
    );
  };
  const reload = (): void => {
    try {
      const kept = running.reload(opts.load(extra));
      logger.level = running.config().log.level;
      logger.info({ restartOnlyKept: kept.map((c) => c.key) }, 'worker configuration reloaded');
    } catch (err) {
      logger.error({ reason: (err as Error).message.slice(0, 1024) }, 'reload refused; keeping the running configuration');
    }
  };
  const answer = async (q: Query): Promise<unknown> => {
    switch (q.kind) {
      case 'list':
        return select(running.journal.list(), q.query).map(entryJson);
      case 'count':
        return select(running.journal.list(), q.query).length;
      case 'clear': {
        const n = running.journal.size;
        running.journal.clear();
        return n;
      }
      case 'metrics':
        return metrics.registry.getMetricsAsJSON();
      case 'sync':
        return true;
    }
  };
  // Journal events for /api/events, bounded while in the channel as a slow client's backlog is.
  const inFlight = { count: 0, bytes: 0 };
  const forward = (entry: JournalEntry, kind: 'request' | 'update'): void => {
    const json = entryJson(entry);
    const bytes = json.raw.length + json.responses.reduce((n, r) => n + r.raw.length, 0);
    if (inFlight.count >= MAX_EVENTS_IN_FLIGHT || inFlight.bytes + bytes > MAX_EVENT_BYTES_IN_FLIGHT || process.send === undefined || !process.connected) {
      limiterOf(logger).log('warn', { inFlight: inFlight.count, inFlightBytes: inFlight.bytes }, 'journal event dropped: the primary is not keeping up');
      return;
    }
    inFlight.count++;
    inFlight.bytes += bytes;
    process.send({ t: 'event', kind, entry: json } satisfies FromWorker, undefined, {}, () => {
      inFlight.count--;
      inFlight.bytes -= bytes;
    });
  };
  const handle = (m: ToWorker): void => {
    switch (m.t) {
      case 'query':
        answer(m.q).then(
          (body) => send({ t: 'reply', rid: m.rid, body }),
          (err: unknown) => send({ t: 'reply', rid: m.rid, body: { error: (err as Error).message } }),
        );
        return;
      case 'events':
        stopEvents?.();
        stopEvents = m.on ? running.journal.subscribe(forward) : undefined;
        return;
      case 'reload':
        return reload();
      case 'stop':
        return stop('asked by the primary');
      default:
        return;
    }
  };
  serving.handle = handle;
  for (const m of early.splice(0)) handle(m);
  // The primary signals by message; a signal to the whole process group (Ctrl-C) reaches us too.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', reload);
  // The primary gone: nobody orders the shared state any more, and nobody would re-fork us.
  process.on('disconnect', () => stop('the primary went away'));
  const a = running.address();
  const { tls, ws, wss } = running.secure;
  send({ t: 'ready', ports: { port: a.port, tls: tls?.address().port, ws: ws?.address().port, wss: wss?.address().port } });
}
