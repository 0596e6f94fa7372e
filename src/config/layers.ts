/**
 * Configuration layers merged in order (defaults ← file ← environment ← command line), remembering
 * which source last set each key so that a refused value is blamed on what gave it.
 */

export type Tree = Record<string, unknown>;

/** One value from one source, for the key at `path` ([] for a whole file). */
export interface Setting {
  readonly path: readonly string[];
  readonly value: unknown;
  /** Named in errors: `defaults`, a file path, `SIP4XX_PORT`, `--server.port`. */
  readonly source: string;
}

export function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars replace. */
export function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = Object.hasOwn(out, k) ? out[k] : undefined;
    // Defined, not assigned: a key "__proto__" from YAML is a key like any other, never a prototype.
    Object.defineProperty(out, k, { value: isTree(b) && isTree(v) ? deepMerge(b, v) : v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** A key path as one Map key: NUL cannot occur in a YAML key a person types, nor in a flag. */
const keyOf = (path: readonly (string | number)[]): string => path.join('\0');

export class Layers {
  #tree: Tree = {};
  readonly #origin = new Map<string, string>();

  get tree(): Tree {
    return this.#tree;
  }

  /** A mapping merges over what is below it (as a file over the defaults); anything else replaces it. */
  apply(s: Setting): void {
    const below = getAt(this.#tree, s.path);
    const merges = isTree(below) && isTree(s.value);
    if (!merges) {
      const prefix = keyOf(s.path) + '\0';
      for (const k of [...this.#origin.keys()]) if (k.startsWith(prefix)) this.#origin.delete(k);
    }
    const value = merges ? deepMerge(below, s.value as Tree) : s.value;
    this.#tree = s.path.length === 0 ? (value as Tree) : setAt(this.#tree, s.path, value);
    this.#mark(s.path, s.value, s.source);
  }

  /** Who set the key at `path`, or failing that its nearest ancestor (a missing key is blamed on its parent). */
  sourceOf(path: readonly (string | number)[]): string {
    for (let n = path.length; n >= 0; n--) {
      const source = this.#origin.get(keyOf(path.slice(0, n)));
      if (source !== undefined) return source;
    }
    return 'defaults';
  }

  #mark(path: readonly string[], value: unknown, source: string): void {
    this.#origin.set(keyOf(path), source);
    if (isTree(value)) for (const [k, v] of Object.entries(value)) this.#mark([...path, k], v, source);
  }
}

function getAt(tree: Tree, path: readonly string[]): unknown {
  let v: unknown = tree;
  for (const p of path) v = isTree(v) ? v[p] : undefined;
  return v;
}

export function setAt(tree: Tree, path: readonly string[], value: unknown): Tree {
  const [head, ...rest] = path;
  if (head === undefined) return tree;
  const child = tree[head];
  return { ...tree, [head]: rest.length === 0 ? value : setAt(isTree(child) ? child : {}, rest, value) };
}
