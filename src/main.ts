/**
 * The process edge: argv, environment, signals, exit codes. Everything else is passed in.
 */
import { pino } from 'pino';
import { CliError, helpText, parseCli } from './cli.js';
import { ConfigError } from './config/errors.js';
import { defaultTree, loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { startServer, type Sip4xxServer } from './server.js';
import { VERSION } from './version.js';

function fail(message: string): never {
  process.stderr.write(`sip4xx: ${message}\n`);
  process.exit(2);
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
  const logger = pino({ level: config.log.level, base: { name: 'sip4xx' } });

  let server: Sip4xxServer;
  try {
    server = await startServer({ config, logger });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    fail(e.code === 'EADDRINUSE' || /EADDRINUSE/.test(e.message) ? `port ${config.server.port} is already in use (${e.message})` : e.message);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    server.close().then(
      () => {
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    try {
      const next = load();
      server.reload(next);
      logger.level = next.log.level;
      logger.info({ configFile }, 'configuration reloaded');
    } catch (err) {
      logger.error({ err: err instanceof ConfigError ? err.problems : err }, 'reload refused; keeping the running configuration');
    }
  });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

main().catch((err: unknown) => {
  if (err instanceof CliError || err instanceof ConfigError) fail(err.message);
  process.stderr.write(`sip4xx: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
