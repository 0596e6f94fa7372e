/**
 * The process edge: argv, environment, signals, exit codes. Everything else is passed in.
 */
import cluster from 'node:cluster';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pino, type DestinationStream, type Logger } from 'pino';
import { startAdmin, type AdminServer } from './admin/admin-server.js';
import { controlPlaneOf } from './admin/api/control.js';
import type { ControlPlane } from './admin/api/router.js';
import { createMetrics, sourcesOf } from './admin/metrics.js';
import { CliError, helpText, parseCli } from './cli.js';
import { ConfigError } from './config/errors.js';
import { defaultTree, loadConfig, type Setting } from './config/load.js';
import { MAX_WORKERS, type Config } from './config/schema.js';
import { planWorkers } from './cluster/support.js';
import { startServer, type Sip4xxServer } from './server.js';
import { logSink, type LogSink } from './stdout-log.js';
import { VERSION } from './version.js';

/**
 * After SIGTERM the process exits by server.drainTimeoutMs plus this much, whatever holds it:
 * draining takes at most drainTimeoutMs, then closing the sockets and writing the last log lines
 * get this margin. Exit status 1 says the deadline, not a clean stop, ended the process.
 */
const STOP_MARGIN_MS = 2000;
/** Of that margin, the most spent waiting for stdout to take the last log lines. */
const LOG_DRAIN_MS = 1000;

function fail(message: string): never {
  process.stderr.write(`sip4xx: ${message}\n`);
  process.exit(2);
}

/** A clear one-line reason for a failure to start. */
function describeStartError(err: unknown, what: string, port: number): string {
  const e = err as NodeJS.ErrnoException;
  const text = e.message ?? String(err);
  if (e.code === 'EADDRINUSE' || text.includes('EADDRINUSE')) return `${what} port ${port} is already in use`;
  if (e.code === 'EACCES' || text.includes('EACCES')) return `no permission to bind ${what} port ${port}`;
  if (e.code === 'EADDRNOTAVAIL' || text.includes('EADDRNOTAVAIL')) return `${what} address is not available on this host (${text})`;
  return `${what}: ${text}`;
}

/**
 * Every line carries the process id: the PID to signal (README, "Operating it").
 * pino-pretty is a development dependency: asked for where it is missing, say so and log JSON.
 */
function makeLogger(config: Readonly<Config>, sink: LogSink): Logger {
  const options = { level: config.log.level, base: { name: 'sip4xx', pid: process.pid } };
  if (!config.log.pretty) return pino(options, sink);
  try {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (o: object) => DestinationStream;
    return pino(options, pretty({ colorize: process.stdout.isTTY }));
  } catch {
    const logger = pino(options, sink);
    logger.warn('log.pretty is set but pino-pretty is not installed (a development dependency); logging JSON');
    return logger;
  }
}

async function main(): Promise<void> {
  const defaults = defaultTree();
  let cli;
  try {
    cli = parseCli(process.argv.slice(2), defaults);
  } catch (err) {
    fail((err as Error).message);
  }
  if (cli.help) {
    process.stdout.write(helpText(defaults, VERSION) + '\n');
    return;
  }
  if (cli.version) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  const configFile = cli.configFile ?? (process.env.SIP4XX_CONFIG || undefined);
  const load = (): Readonly<Config> => loadConfig({ file: configFile, env: process.env, overrides: cli.overrides });
  let config: Readonly<Config>;
  try {
    config = load();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  // server.workers (README, "Workers"): a count this Node or platform cannot serve is refused here.
  const plan = planWorkers(config.server.workers, { version: process.version, platform: process.platform, parallelism: availableParallelism() }, MAX_WORKERS);
  if (plan.kind === 'refused') fail(plan.message);
  const sink = logSink();
  const logger = makeLogger(config, sink);
  if (plan.warning !== undefined) logger.warn({ workers: 1 }, plan.warning);
  // The /api token: admin.token, else SIP4XX_ADMIN_TOKEN (README, "Control plane").
  const envToken = process.env.SIP4XX_ADMIN_TOKEN ?? '';
  if (cluster.isWorker || plan.workers > 1) {
    // Workers (src/cluster/): the primary forks them and serves the admin endpoint; each serves SIP.
    process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
    const exit = async (code: number): Promise<never> => {
      await sink.drain(LOG_DRAIN_MS);
      process.exit(code);
    };
    // Loaded only here: one process never loads the cluster code.
    if (cluster.isWorker) {
      const { runWorker } = await import('./cluster/worker.js');
      const loadWith = (extra: readonly Setting[]) => loadConfig({ file: configFile, env: process.env, overrides: [...cli.overrides, ...extra] });
      await runWorker({ load: loadWith, logger, exit, fail: (err, c) => fail(describeStartError(err, 'SIP', c.server.port)) });
    } else {
      const { runPrimary } = await import('./cluster/primary.js');
      await runPrimary({ config, workers: plan.workers, logger, load, envToken, fail, exit });
    }
    return;
  }
  const metrics = createMetrics();
  let state = 'starting';

  // The admin endpoint comes up first so /healthz can say "starting" until the SIP sockets are bound.
  // It is optional: a test target that cannot bind it still serves SIP (README, "Operating it").
  let admin: AdminServer | undefined;
  const live: { control?: ControlPlane } = {};
  const api = { host: config.admin.host, token: () => (live.control?.config() ?? config).admin.token || envToken, control: () => live.control };
  if (config.admin.port !== 0) {
    try {
      admin = await startAdmin({ host: config.admin.host, port: config.admin.port, registry: metrics.registry, state: () => state, logger, api });
    } catch (err) {
      const reason = describeStartError(err, 'admin', config.admin.port);
      logger.error({ host: config.admin.host, port: config.admin.port, reason }, 'admin endpoint unavailable; serving SIP without /healthz and /metrics');
    }
  }

  let server: Sip4xxServer;
  try {
    server = await startServer({ config, logger, observer: metrics.observer });
  } catch (err) {
    await admin?.close();
    fail(describeStartError(err, 'SIP', config.server.port));
  }
  metrics.bind(sourcesOf(server));
  live.control = controlPlaneOf(server);
  state = 'ready';

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    state = 'draining';
    const timeoutMs = server.config().server.drainTimeoutMs;
    // The safety net: nothing (a socket that will not close, a log reader that went away) keeps
    // the process past this.
    setTimeout(() => process.exit(1), timeoutMs + STOP_MARGIN_MS).unref();
    logger.info({ signal, drainTimeoutMs: timeoutMs }, 'stopping: draining live transactions');
    server
      .drain(timeoutMs)
      .then(async (pending) => {
        await admin?.close();
        logger.info({ pendingAtStart: pending, logLinesDropped: sink.dropped() }, 'stopped');
        await sink.drain(LOG_DRAIN_MS);
        process.exit(0);
      })
      .catch(async (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        await sink.drain(LOG_DRAIN_MS);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    try {
      // Restart-only keys a reload would change keep their running values; server.reload() warns.
      const kept = server.reload(load());
      logger.level = server.config().log.level;
      logger.info({ configFile, restartOnlyKept: kept.map((c) => c.key) }, 'configuration reloaded');
    } catch (err) {
      const problems = err instanceof ConfigError ? err.problems : [(err as Error).message];
      logger.error({ configFile, problems }, 'reload refused; keeping the running configuration');
    }
  });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

main().catch((err: unknown) => {
  if (err instanceof CliError || err instanceof ConfigError) fail(err.message);
  process.stderr.write(`sip4xx: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
