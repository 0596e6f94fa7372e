/**
 * Configuration key paths as the schema (schema.ts) defines them: which paths exist, which hold
 * text, and how a path is spelled as an environment variable. A map keyed by names (users,
 * aliases) takes any name; every other level takes only the keys the schema lists.
 */
import { configSchema } from './schema.js';

/** The part of a zod schema's definition read here (zod 4 keeps it on `_zod.def`). */
interface SchemaNode {
  readonly _zod: {
    readonly def: {
      readonly type: string;
      readonly shape?: Readonly<Record<string, SchemaNode>>;
      readonly valueType?: SchemaNode;
      readonly innerType?: SchemaNode;
    };
  };
}

const ROOT = configSchema as unknown as SchemaNode;

/** Optional / default / readonly wrappers say nothing about the shape below them. */
function unwrap(node: SchemaNode): SchemaNode {
  let n = node;
  while (n._zod.def.innerType !== undefined) n = n._zod.def.innerType;
  return n;
}

/** What a key below `node` may be: the schema's keys of an object, any name in a map. */
function child(node: SchemaNode, key: string): SchemaNode | undefined {
  const def = unwrap(node)._zod.def;
  if (def.type === 'object') return def.shape !== undefined && Object.hasOwn(def.shape, key) ? def.shape[key] : undefined;
  if (def.type === 'record') return def.valueType;
  return undefined;
}

function isMap(node: SchemaNode): boolean {
  return unwrap(node)._zod.def.type === 'record';
}

/** The schema of the key at `path`, or undefined when no such key can exist. */
export function schemaAt(path: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = ROOT;
  for (const key of path) {
    if (node === undefined) return undefined;
    node = child(node, key);
  }
  return node;
}

/** Whether the key at `path` holds text: a value given on the command line or in the environment is then taken as it is. */
export function holdsText(path: readonly string[]): boolean {
  const node = schemaAt(path);
  return node !== undefined && unwrap(node)._zod.def.type === 'string';
}

/** A key as one level of a variable name: `serverHeader` → `SERVER_HEADER`; a name in a map is upper-cased as it is. */
function envSegment(key: string, inMap: boolean): string {
  return inMap ? key.toUpperCase() : key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** server.serverHeader → SIP4XX_SERVER__SERVER_HEADER; users.alice.retryAfter → SIP4XX_USERS__ALICE__RETRY_AFTER. */
export function envName(path: readonly string[]): string {
  let node: SchemaNode | undefined = ROOT;
  const parts: string[] = [];
  for (const key of path) {
    parts.push(envSegment(key, node !== undefined && isMap(node)));
    node = node === undefined ? undefined : child(node, key);
  }
  return 'SIP4XX_' + parts.join('__');
}

/**
 * The key path a `SIP4XX_*` variable names, or undefined when it names none. Variable names carry
 * no case, so a name in a map (a user, an alias) is read in lower case: SIP4XX_USERS__CAROL is
 * users.carol.
 */
export function pathOfEnvName(name: string): string[] | undefined {
  if (!name.startsWith('SIP4XX_')) return undefined;
  const segments = name.slice('SIP4XX_'.length).split('__');
  const path: string[] = [];
  let node: SchemaNode = ROOT;
  for (const segment of segments) {
    if (segment === '') return undefined;
    const def = unwrap(node)._zod.def;
    let key: string | undefined;
    if (def.type === 'record') key = segment.toLowerCase();
    else if (def.type === 'object' && def.shape !== undefined) key = Object.keys(def.shape).find((k) => envSegment(k, false) === segment);
    const next = key === undefined ? undefined : child(node, key);
    if (key === undefined || next === undefined) return undefined;
    path.push(key);
    node = next;
  }
  return path;
}
