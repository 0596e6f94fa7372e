/**
 * Configuration layering: embedded defaults ← file ← environment ← command line, validated once
 * and frozen. Pure apart from reading files: the environment and argv are passed in.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './errors.js';
import { configSchema, type Config } from './schema.js';

export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

type Tree = Record<string, unknown>;

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars replace. */
export function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isTree(b) && isTree(v) ? deepMerge(b, v) : v;
  }
  return out;
}

export function readYamlFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [`cannot read file: ${(err as Error).message}`]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(path, [`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  if (doc === null || doc === undefined) return {};
  if (!isTree(doc)) throw new ConfigError(path, ['the top level must be a mapping of keys']);
  return doc;
}

/** Every leaf key path of the defaults, e.g. ["server","port"]; arrays are leaves. */
export function leafPaths(tree: Tree, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [k, v] of Object.entries(tree)) {
    if (isTree(v)) out.push(...leafPaths(v, [...prefix, k]));
    else out.push([...prefix, k]);
  }
  return out;
}

/** server.serverHeader → SIP4XX_SERVER__SERVER_HEADER */
export function envName(path: readonly string[]): string {
  return 'SIP4XX_' + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__');
}

/** Short environment names for the settings people set most. */
export const ENV_ALIASES: Readonly<Record<string, string>> = {
  SIP4XX_HOST: 'server.host',
  SIP4XX_PORT: 'server.port',
  SIP4XX_LOG_LEVEL: 'log.level',
  SIP4XX_ADMIN_HOST: 'admin.host',
  SIP4XX_ADMIN_PORT: 'admin.port',
};

/** A value given as text (env, CLI) is read as YAML, so "5060" is a number and "[a, b]" a list. */
export function scalarFromText(text: string): unknown {
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

/**
 * A value given as text for a key: a key whose default is a string keeps the text as it is, so
 * `--host ::` and `SIP4XX_SERVER__SERVER_HEADER=2.0` mean the strings they look like (read as
 * YAML they became the mapping {":": null} and the number 2, and the config was refused).
 */
export function valueFromText(text: string, defaults: Tree, path: readonly string[]): unknown {
  let like: unknown = defaults;
  for (const p of path) like = isTree(like) ? like[p] : undefined;
  return typeof like === 'string' ? text : scalarFromText(text);
}

export function setPath(tree: Tree, path: readonly string[], value: unknown): Tree {
  const [head, ...rest] = path;
  if (head === undefined) return tree;
  const child = tree[head];
  return { ...tree, [head]: rest.length === 0 ? value : setPath(isTree(child) ? child : {}, rest, value) };
}

/** Overrides from SIP4XX_* variables, for every key of the defaults and the short aliases. */
export function envOverrides(env: Readonly<Record<string, string | undefined>>, defaults: Tree): Tree {
  let out: Tree = {};
  for (const path of leafPaths(defaults)) {
    const v = env[envName(path)];
    if (v !== undefined) out = setPath(out, path, valueFromText(v, defaults, path));
  }
  for (const [name, dotted] of Object.entries(ENV_ALIASES)) {
    const v = env[name];
    if (v !== undefined) out = setPath(out, dotted.split('.'), valueFromText(v, defaults, dotted.split('.')));
  }
  return out;
}

export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}

/** Validate a merged tree; every problem is reported with its key path. */
export function validate(tree: Tree, source: string): Readonly<Config> {
  const result = configSchema.safeParse(tree);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new ConfigError(source, problems);
  }
  return deepFreeze(result.data);
}

export interface LoadOptions {
  /** A config file to merge over the defaults. */
  readonly file?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Already-structured overrides (from the command line). */
  readonly overrides?: Tree;
}

export function loadConfig(opts: LoadOptions = {}): Readonly<Config> {
  const defaults = readYamlFile(DEFAULT_CONFIG_PATH);
  let tree = defaults;
  if (opts.file !== undefined) tree = deepMerge(tree, readYamlFile(opts.file));
  if (opts.env !== undefined) tree = deepMerge(tree, envOverrides(opts.env, defaults));
  if (opts.overrides !== undefined) tree = deepMerge(tree, opts.overrides);
  return validate(tree, opts.file ?? 'defaults');
}

export function defaultTree(): Tree {
  return readYamlFile(DEFAULT_CONFIG_PATH);
}
