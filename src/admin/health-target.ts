/**
 * What the container HEALTHCHECK probes, resolved from the server's own command line, environment
 * and working directory with the server's own loader (cli.ts, config/load.ts): `--admin-port 8081`
 * as container arguments, `admin.port` in a mounted file or SIP4XX_ADMIN_PORT all count, as they
 * do for the server. Reading them back (from /proc, see healthcheck.ts) needs no file written by
 * the server, so a read-only root filesystem is fine.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseCli } from '../cli.js';
import { defaultTree, loadConfig } from '../config/load.js';

export type HealthTarget =
  /** GET /healthz on the admin endpoint: 200 only once the SIP sockets are bound. */
  | { readonly kind: 'http'; readonly url: string }
  /** The admin endpoint is off (port 0): an OPTIONS to the SIP port (§11) shows it is served. */
  | { readonly kind: 'sip'; readonly transport: 'udp' | 'tcp'; readonly host: string; readonly port: number };

export interface ServerProcess {
  /** The server's argv, from node itself to the last option. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

/** A /proc/<pid>/cmdline or environ: NUL-terminated strings. */
export function nulSeparated(data: Buffer): string[] {
  const items = data.toString('utf8').split('\0');
  if (items.at(-1) === '') items.pop();
  return items;
}

export function environOf(data: Buffer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of nulSeparated(data)) {
    const eq = item.indexOf('=');
    if (eq > 0) env[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return env;
}

/** The options given to the server: what follows its main script in argv, or undefined if none is. */
export function serverArgs(argv: readonly string[]): string[] | undefined {
  const main = argv.findIndex((a, i) => i > 0 && /(^|\/)main\.[jt]s$/.test(a));
  return main === -1 ? undefined : argv.slice(main + 1);
}

/** The command line, environment and directory of process `pid`, if it runs a sip4xx main script. */
export function readServerProcess(pid: string): ServerProcess | undefined {
  try {
    const argv = nulSeparated(readFileSync(`/proc/${pid}/cmdline`));
    if (serverArgs(argv) === undefined) return undefined;
    return { argv, env: environOf(readFileSync(`/proc/${pid}/environ`)), cwd: readlinkSync(`/proc/${pid}/cwd`) };
  } catch {
    return undefined;
  }
}

/** A wildcard bind address is probed on loopback of the same family. */
function probeHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Throws CliError / ConfigError as the server would have refused to start. */
export function healthTarget(proc: ServerProcess): HealthTarget {
  const args = serverArgs(proc.argv);
  if (args === undefined) throw new Error(`not a sip4xx server command line: ${proc.argv.join(' ').slice(0, 256)}`);
  const cli = parseCli(args, defaultTree());
  const file = cli.configFile ?? (proc.env.SIP4XX_CONFIG || undefined);
  const config = loadConfig({
    file: file === undefined || isAbsolute(file) ? file : resolve(proc.cwd, file),
    env: proc.env,
    overrides: cli.overrides,
  });
  if (config.admin.port !== 0) {
    return { kind: 'http', url: `http://${urlHost(probeHost(config.admin.host))}:${config.admin.port}/healthz` };
  }
  if (config.server.port === 0) throw new Error('admin endpoint off and SIP on a random port (server.port 0): nothing to probe');
  return { kind: 'sip', transport: config.server.udp ? 'udp' : 'tcp', host: probeHost(config.server.host), port: config.server.port };
}
