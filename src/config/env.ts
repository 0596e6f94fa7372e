/**
 * The environment as a configuration layer: every `SIP4XX_*` variable names a key (by its path,
 * `SIP4XX_LIMITS__MAX_BODY_BYTES`, or a short alias, `SIP4XX_PORT`) or is one of the few the
 * process reads itself. Any other is refused, as a misspelled key in a file is: a misspelled
 * variable silently ignored leaves the setting someone meant to change at its old value.
 */
import { ConfigError } from './errors.js';
import { pathOfEnvName } from './key-paths.js';
import type { Setting } from './layers.js';
import { valueFromText } from './text-values.js';

/** Short environment names for the settings people set most. */
export const ENV_ALIASES: Readonly<Record<string, string>> = {
  SIP4XX_HOST: 'server.host',
  SIP4XX_PORT: 'server.port',
  SIP4XX_LOG_LEVEL: 'log.level',
  SIP4XX_ADMIN_HOST: 'admin.host',
  SIP4XX_ADMIN_PORT: 'admin.port',
};

/** Variables the process reads that are not configuration keys: the config file's path, and the admin token. */
export const ENV_NOT_KEYS: readonly string[] = ['SIP4XX_CONFIG', 'SIP4XX_ADMIN_TOKEN'];

/**
 * One setting per `SIP4XX_*` variable, each named as its source. Shallower keys first, so
 * `SIP4XX_USERS__CAROL='{behaviour: busy}'` lays the user down and `SIP4XX_USERS__CAROL__RETRY_AFTER=5`
 * then changes one field of it, whatever order the environment lists them in; the short aliases last.
 * @throws ConfigError naming every variable that names no key.
 */
export function envSettings(env: Readonly<Record<string, string | undefined>>): Setting[] {
  const byPath: { path: string[]; name: string; value: string }[] = [];
  const aliases: Setting[] = [];
  const unknown: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('SIP4XX_') || value === undefined || ENV_NOT_KEYS.includes(name)) continue;
    const alias = ENV_ALIASES[name];
    if (alias !== undefined) {
      const path = alias.split('.');
      aliases.push({ path, value: valueFromText(value, path), source: name });
      continue;
    }
    const path = pathOfEnvName(name);
    if (path === undefined) unknown.push(`${name}: names no configuration key (see --help)`);
    else byPath.push({ path, name, value });
  }
  if (unknown.length > 0) throw new ConfigError('environment', unknown.sort());
  byPath.sort((a, b) => a.path.length - b.path.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const settings = byPath.map(({ path, name, value }): Setting => ({ path, value: valueFromText(value, path), source: name }));
  return [...settings, ...aliases];
}
