/**
 * Configuration layering: embedded defaults ← file ← environment ← command line, validated once
 * and frozen. Pure apart from reading files: the environment and argv are passed in. Each layer is
 * a list of settings with their source, so a refused value names the flag, variable or file that
 * gave it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { envSettings } from './env.js';
import { ConfigError } from './errors.js';
import { Layers, isTree, type Setting, type Tree } from './layers.js';
import { configSchema, type Config } from './schema.js';

export { ENV_ALIASES, ENV_NOT_KEYS, envSettings } from './env.js';
export { envName, pathOfEnvName } from './key-paths.js';
export { deepMerge, setAt as setPath, type Setting } from './layers.js';
export { scalarFromText, valueFromText } from './text-values.js';

export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

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

/** The environment as one tree (no sources): for callers that merge it themselves. */
export function envOverrides(env: Readonly<Record<string, string | undefined>>): Tree {
  const layers = new Layers();
  for (const s of envSettings(env)) layers.apply(s);
  return layers.tree;
}

export function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}

/** Where a key's value came from: one name for all, or looked up per key path. */
export type SourceOf = string | ((path: readonly (string | number)[]) => string);

/**
 * Validate a merged tree; every problem is reported with its key path and the source that set
 * that key (for an unknown key, the source of the key itself, not of the mapping holding it).
 */
export function validate(tree: Tree, sourceOf: SourceOf): Readonly<Config> {
  const result = configSchema.safeParse(tree);
  if (result.success) return deepFreeze(result.data);
  const lookup = typeof sourceOf === 'string' ? () => sourceOf : sourceOf;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const named = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => lookup([...path, k])) : [lookup(path)];
    return `${path.length > 0 ? path.join('.') : '(top level)'} (from ${[...new Set(named)].join(', ')}): ${issue.message}`;
  });
  throw new ConfigError(undefined, problems);
}

export interface LoadOptions {
  /** A config file to merge over the defaults. */
  readonly file?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The command line's settings, in order (parseCli), or one tree of overrides. */
  readonly overrides?: readonly Setting[] | Tree;
}

export function loadConfig(opts: LoadOptions = {}): Readonly<Config> {
  const layers = new Layers();
  layers.apply({ path: [], value: readYamlFile(DEFAULT_CONFIG_PATH), source: 'defaults' });
  if (opts.file !== undefined) layers.apply({ path: [], value: readYamlFile(opts.file), source: opts.file });
  if (opts.env !== undefined) for (const s of envSettings(opts.env)) layers.apply(s);
  const over = opts.overrides;
  if (Array.isArray(over)) for (const s of over as readonly Setting[]) layers.apply(s);
  else if (over !== undefined) layers.apply({ path: [], value: over, source: 'overrides' });
  return validate(layers.tree, (path) => layers.sourceOf(path));
}

export function defaultTree(): Tree {
  return readYamlFile(DEFAULT_CONFIG_PATH);
}
