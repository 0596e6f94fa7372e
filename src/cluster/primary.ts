/**
 * The primary process of `server.workers` > 1 (README, "Workers"; docs/ARCHITECTURE.md, "Workers").
 * It binds no SIP socket: it forks the workers (node:cluster; they inherit execArgv, so
 * `--import tsx` holds), owns the shared state (hub.ts), serves the admin endpoint for all of them,
 * and keeps them running: a worker that dies is logged, counted and forked again after a back-off
 * that grows while it keeps dying. SIGHUP reloads here and in every worker; SIGTERM drains every
 * worker, and the primary exits 0 once all have stopped.
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { startAdmin, type AdminServer } from '../admin/admin-server.js';
import { ConfigError } from '../config/errors.js';
import { describeChanges, keepRestartOnly, restartOnlyChanges } from '../config/restart-only.js';
import { deepFreeze } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ClusterRegistry, clusterControl } from './control.js';
import { Hub } from './hub.js';
import { isMessage, type FromWorker, type Ports } from './messages.js';
import { probePorts } from './port-probe.js';

/** Back-off before forking a dead worker again: doubles per death in a row, from 100 ms to 10 s. */
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 10_000;
/** A worker that lived this long before dying starts the back-off over. */
const STABLE_MS = 10_000;
/** How long to wait before forking a worker that died `deaths` times in a row (0: the first death). */
export function restartDelayMs(deaths: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(deaths, 30));
}

/** After SIGTERM the primary waits for its workers for drainTimeoutMs plus this. */
const STOP_MARGIN_MS = 3000;

export interface PrimaryOptions {
  readonly config: Readonly<Config>;
  readonly workers: number;
  readonly logger: Logger;
  /** The configuration again from its sources (SIGHUP); throws ConfigError when invalid. */
  readonly load: () => Readonly<Config>;
  /** SIP4XX_ADMIN_TOKEN: the /api token when admin.token is empty (README, "Control plane"). */
  readonly envToken: string;
  /** One line to stderr and exit 2 (main.ts): a worker failed to start. */
  readonly fail: (message: string) => never;
  readonly exit: (code: number) => Promise<never>;
}

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  ready: boolean;
  everReady: boolean;
  deaths: number;
  startedAt: number;
}

export async function runPrimary(opts: PrimaryOptions): Promise<void> {
  const { logger } = opts;
  let config = opts.config;
  try {
    await probePorts(config);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { what: string; port: number };
    opts.fail(e.code === 'EADDRINUSE' ? `${e.what} port ${e.port} is already in use` : `${e.what} port ${e.port}: ${e.message}`);
  }
  const hub = new Hub(() => config.rules, logger);
  const nonceSecret = randomBytes(32).toString('hex');
  const tagKey = randomBytes(32).toString('hex');
  let ports: Ports | undefined;
  let stopping = false;
  const slots: Slot[] = Array.from({ length: opts.workers }, (_, index) => ({ index, worker: undefined, ready: false, everReady: false, deaths: 0, startedAt: 0 }));

  const own = new Registry();
  const restarts = new Counter({ name: 'sip4xx_worker_restarts_total', help: 'Workers forked again after they died', registers: [own] });
  new Gauge({ name: 'sip4xx_workers', help: 'Worker processes configured (server.workers)', registers: [own], collect() { this.set(opts.workers); } });
  new Gauge({ name: 'sip4xx_workers_ready', help: 'Worker processes serving now', registers: [own], collect() { this.set(slots.filter((s) => s.ready).length); } });

  const state = (): string => (stopping ? 'draining' : slots.every((s) => s.ready) ? 'ready' : 'starting');
  const listeners = () => (ports === undefined ? {} : { udp: { address: config.server.host, port: ports.port, family: 'IPv4' as const } });
  const control = clusterControl({ hub, config: () => config, listeners });
  let admin: AdminServer | undefined;
  if (config.admin.port !== 0) {
    try {
      admin = await startAdmin({
        host: config.admin.host,
        port: config.admin.port,
        registry: new ClusterRegistry(hub, own),
        state,
        logger,
        api: { host: config.admin.host, token: () => config.admin.token || opts.envToken, control: () => control },
      });
    } catch (err) {
      logger.error({ port: config.admin.port, reason: (err as Error).message }, 'admin endpoint unavailable; serving SIP without /healthz and /metrics');
    }
  }

  const fork = (slot: Slot): void => {
    const worker = cluster.fork();
    slot.worker = worker;
    slot.ready = false;
    slot.startedAt = Date.now();
    worker.on('message', (m: unknown) => onMessage(slot, worker, m));
    worker.on('exit', (code, signal) => onExit(slot, worker, code, signal));
  };

  const onMessage = (slot: Slot, worker: Worker, m: unknown): void => {
    if (!isMessage<FromWorker>(m)) return;
    switch (m.t) {
      case 'hello':
        // Stopping already: a worker that has not started has nothing to drain.
        if (stopping) return void worker.process.kill('SIGTERM');
        // The snapshot and every later change travel this one channel, in order.
        worker.send({ t: 'init', index: slot.index, nonceSecret, tagKey, ports, snapshot: hub.state.snapshot() });
        hub.join({ index: slot.index, worker });
        return;
      case 'ready':
        slot.ready = true;
        slot.everReady = true;
        logger.info({ worker: slot.index, workerPid: worker.process.pid, ports: m.ports }, 'worker ready');
        if (ports === undefined && !stopping) {
          // The first worker chose the ports (0 picks a free one); every other binds the same.
          ports = m.ports;
          for (const s of slots) if (s.worker === undefined) fork(s);
        }
        if (slots.every((s) => s.ready)) logger.info({ workers: slots.length, port: m.ports.port }, 'all workers ready');
        return;
      case 'op':
        if (m.id === 0) void hub.fromWorker(m.op);
        else void hub.fromWorker(m.op).then(() => worker.isConnected() && worker.send({ t: 'ack', id: m.id }));
        return;
      case 'applied':
        return hub.applied(m.seq, slot.index);
      case 'reply':
        return hub.reply(m.rid, slot.index, m.body);
      case 'event':
        return hub.event(m.kind, m.entry, slot.index);
    }
  };

  const onExit = (slot: Slot, worker: Worker, code: number | null, signal: string | null): void => {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    slot.ready = false;
    hub.leave(slot.index);
    if (stopping) {
      logger.info({ worker: slot.index, workerPid: worker.process.pid, code, signal }, 'worker stopped');
      if (slots.every((s) => s.worker === undefined)) void finish(0);
      return;
    }
    // A worker that never served failed to start (a port in use, a bad certificate): it said why.
    if (!slot.everReady) opts.fail(`worker ${slot.index} could not start (exit code ${code ?? signal}); see its line above`);
    if (Date.now() - slot.startedAt >= STABLE_MS) slot.deaths = 0;
    const delayMs = restartDelayMs(slot.deaths);
    slot.deaths++;
    restarts.inc();
    logger.error({ worker: slot.index, workerPid: worker.process.pid, code, signal, restartInMs: delayMs }, 'worker died; forking it again');
    setTimeout(() => {
      if (!stopping) fork(slot);
    }, delayMs);
  };

  const finish = async (code: number): Promise<void> => {
    await admin?.close();
    logger.info({ code }, 'stopped');
    await opts.exit(code);
  };

  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    const timeoutMs = config.server.drainTimeoutMs;
    logger.info({ signal, drainTimeoutMs: timeoutMs, workers: hub.size }, 'stopping: draining every worker');
    hub.tell({ t: 'stop' });
    if (slots.every((s) => s.worker === undefined)) void finish(0);
    setTimeout(() => {
      for (const s of slots) s.worker?.process.kill('SIGKILL');
      logger.error('workers did not stop in time; killed');
      void finish(1);
    }, timeoutMs + STOP_MARGIN_MS).unref();
  };

  const reload = (): void => {
    try {
      const next = opts.load();
      const changes = restartOnlyChanges(config, next);
      config = changes.length === 0 ? next : deepFreeze(keepRestartOnly(next, changes));
      logger.level = config.log.level;
      if (changes.length > 0) logger.warn({ restartOnly: changes.map((c) => c.key) }, `restart-only keys keep their running values until restart: ${describeChanges(changes)}`.slice(0, 1024));
      hub.state.stubs.store.configure(config.rules);
      logger.info({ restartOnlyKept: changes.map((c) => c.key) }, 'configuration reloaded; reloading every worker');
      hub.tell({ t: 'reload' });
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems : [(err as Error).message];
      logger.error({ problems }, 'reload refused; keeping the running configuration');
    }
  };

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', reload);
  logger.info({ workers: opts.workers, pid: process.pid }, 'primary: forking workers');
  fork(slots[0] as Slot);
}
