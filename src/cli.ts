/**
 * Command-line parsing: argv in, structured overrides out. Pure — main.ts alone touches process.
 * Every config key is a flag (`--limits.maxBodyBytes 1000`); the common ones have short names.
 */
import { parseArgs } from 'node:util';
import { ENV_ALIASES, envName, leafPaths, setPath, valueFromText } from './config/load.js';

type Tree = Record<string, unknown>;

export interface CliResult {
  readonly help: boolean;
  readonly version: boolean;
  readonly configFile: string | undefined;
  readonly overrides: Tree;
}

const SHORTCUTS: Readonly<Record<string, { path: string; description: string }>> = {
  host: { path: 'server.host', description: 'address to bind, UDP and TCP (default 0.0.0.0; "::" for IPv6 + IPv4)' },
  port: { path: 'server.port', description: 'port for UDP and TCP (default 5060; 0 picks a free one)' },
  'log-level': { path: 'log.level', description: 'fatal | error | warn | info | debug | trace | silent' },
  'admin-host': { path: 'admin.host', description: 'address of the admin HTTP endpoint (default 127.0.0.1)' },
  'admin-port': { path: 'admin.port', description: 'port of /healthz and /metrics (default 8080; 0 disables it)' },
};

export class CliError extends Error {
  readonly code = 'SIP4XX_BAD_ARGUMENTS';
}

export function parseCli(argv: readonly string[], defaults: Tree): CliResult {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
    config: { type: 'string', short: 'c' },
  };
  for (const name of Object.keys(SHORTCUTS)) options[name] = { type: 'string' };
  for (const path of leafPaths(defaults)) options[path.join('.')] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new CliError(`${(err as Error).message} (see --help)`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  let overrides: Tree = {};
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== 'string' || name === 'config') continue;
    const path = (SHORTCUTS[name]?.path ?? name).split('.');
    overrides = setPath(overrides, path, valueFromText(value, defaults, path));
  }
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
  lines.push('Every configuration key can be set by flag or environment variable (values are read as YAML):');
  for (const path of leafPaths(defaults)) {
    let value: unknown = defaults;
    for (const p of path) value = (value as Tree)[p];
    lines.push(`  --${path.join('.')}  ${envName(path)}  (default ${JSON.stringify(value)})`);
  }
  return lines.join('\n');
}
