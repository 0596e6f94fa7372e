/**
 * Command-line parsing: argv in, structured overrides out. Pure — main.ts alone touches process.
 * Every config key is a flag by its path (`--limits.maxBodyBytes 1000`), a leaf or not
 * (`--limits.tcp '{maxConnections: 5}'`, `--users.carol '{behaviour: busy}'`); the common ones have
 * short names. Values are read as YAML; the schema then judges them, naming the flag that gave each.
 */
import { parseArgs } from 'node:util';
import { ENV_ALIASES, ENV_NOT_KEYS, envName, leafPaths, valueFromText, type Setting } from './config/load.js';
import { isRestartOnly } from './config/restart-only.js';

type Tree = Record<string, unknown>;

export interface CliResult {
  readonly help: boolean;
  readonly version: boolean;
  readonly configFile: string | undefined;
  /** One setting per flag, in the order given: a later flag for the same key wins. */
  readonly overrides: readonly Setting[];
}

const SHORTCUTS: Readonly<Record<string, { path: string; description: string }>> = {
  host: { path: 'server.host', description: 'address to bind, UDP and TCP (default 0.0.0.0; "::" for IPv6 + IPv4)' },
  port: { path: 'server.port', description: 'port for UDP and TCP (default 5060; 0 picks a free one)' },
  'log-level': { path: 'log.level', description: 'fatal | error | warn | info | debug | trace | silent' },
  workers: { path: 'server.workers', description: 'processes serving the same ports: a number or auto (default 1; README, "Workers")' },
  'admin-host': { path: 'admin.host', description: 'address of the admin HTTP endpoint (default 127.0.0.1)' },
  'admin-port': { path: 'admin.port', description: 'port of /healthz and /metrics (default 8080; 0 disables it)' },
};

export class CliError extends Error {
  readonly code = 'SIP4XX_BAD_ARGUMENTS';
}

/** Whether `--name` names a key path: dotted, no empty part, starting at a top-level key of the defaults. */
function isKeyPath(name: string, defaults: Tree): boolean {
  const path = name.split('.');
  return path.length > 1 && path.every((p) => p !== '') && Object.hasOwn(defaults, path[0] as string);
}

export function parseCli(argv: readonly string[], defaults: Tree): CliResult {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
    config: { type: 'string', short: 'c' },
  };
  for (const name of Object.keys(SHORTCUTS)) options[name] = { type: 'string' };
  // Any key path is a flag, leaf or not; one naming no top-level key stays unknown to parseArgs.
  for (const arg of argv) {
    if (!arg.startsWith('--')) continue;
    const name = arg.slice(2).split('=', 1)[0] as string;
    if (isKeyPath(name, defaults)) options[name] = { type: 'string' };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false, tokens: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message} (see --help)`);
  }
  const overrides: Setting[] = [];
  for (const t of parsed.tokens) {
    if (t.kind !== 'option' || t.value === undefined || t.name === 'config') continue;
    const path = (SHORTCUTS[t.name]?.path ?? t.name).split('.');
    overrides.push({ path, value: valueFromText(t.value, path), source: t.rawName });
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  return {
    help: values.help === true,
    version: values.version === true,
    configFile: typeof values.config === 'string' ? values.config : undefined,
    overrides,
  };
}

export function helpText(defaults: Tree, version: string): string {
  const lines = [
    `sip4xx ${version} — a SIP server that answers requests with the right 4xx failure`,
    '',
    'Usage: sip4xx [options]        (npm start -- [options])',
    '',
    'Options:',
    '  -c, --config FILE        YAML config merged over the embedded defaults (env SIP4XX_CONFIG)',
  ];
  for (const [name, s] of Object.entries(SHORTCUTS)) {
    const env = Object.keys(ENV_ALIASES).find((k) => ENV_ALIASES[k] === s.path) ?? envName(s.path.split('.'));
    lines.push(`      --${name.padEnd(19)}${s.description} (env ${env})`);
  }
  lines.push('  -h, --help               this text', '  -v, --version            print the version', '');
  lines.push(
    'Every configuration key can be set by flag or environment variable, in increasing priority:',
    'defaults < --config file < SIP4XX_* variables < flags. Values are read as YAML; a mapping merges',
    'over what is below it (as a file does), anything else replaces it. So a whole section or entry',
    "is a key too: --limits.tcp '{maxConnections: 5}', --users.carol '{behaviour: busy}'",
    "(env SIP4XX_LIMITS__TCP, SIP4XX_USERS__CAROL). Variable names carry no case: a user or alias",
    'named in one is read in lower case (SIP4XX_USERS__CAROL is users.carol).',
    `A SIP4XX_* variable that names no key is refused (except ${ENV_NOT_KEYS.join(', ')}), as an`,
    'unknown key in a file is; a refused value is reported with the flag, variable or file that gave it.',
    'SIGHUP reloads the configuration; keys marked [restart-only] keep their running value until restart.',
    '',
  );
  for (const path of leafPaths(defaults)) {
    let value: unknown = defaults;
    for (const p of path) value = (value as Tree)[p];
    const mark = isRestartOnly(path) ? '  [restart-only]' : '';
    lines.push(`  --${path.join('.')}  ${envName(path)}  (default ${JSON.stringify(value)})${mark}`);
  }
  return lines.join('\n');
}
