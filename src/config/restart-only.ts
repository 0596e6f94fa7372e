/**
 * What a reload (SIGHUP) does with the keys of RESTART_ONLY_KEYS (schema.ts): the sockets bound at
 * start (server.host, server.port, server.udp, server.tcp, admin.*), the log sink built once
 * (log.pretty) and the transaction and dialog tables sized at start cannot follow a new value, so a
 * reload that changes one keeps running on the old value and says so, naming each key (old → new).
 * Every other key takes effect for the next message: the next datagram, the next message a TCP
 * framer cuts, the next connection (limits.tcp).
 */
import { RESTART_ONLY_KEYS, type Config } from './schema.js';

/** A restart-only key whose value a reload would change. */
export interface RestartOnlyChange {
  readonly key: string;
  readonly from: unknown;
  readonly to: unknown;
}

export function isRestartOnly(path: readonly string[]): boolean {
  return RESTART_ONLY_KEYS.includes(path.join('.'));
}

function valueAt(config: Readonly<Config>, key: string): unknown {
  let v: unknown = config;
  for (const part of key.split('.')) v = (v as Record<string, unknown>)[part];
  return v;
}

/** The restart-only keys `next` changes from `running`, in RESTART_ONLY_KEYS order. */
export function restartOnlyChanges(running: Readonly<Config>, next: Readonly<Config>): RestartOnlyChange[] {
  const changes: RestartOnlyChange[] = [];
  for (const key of RESTART_ONLY_KEYS) {
    const from = valueAt(running, key);
    const to = valueAt(next, key);
    if (from !== to) changes.push({ key, from, to });
  }
  return changes;
}

/** `next` with the running value of each changed restart-only key (a new, unfrozen tree). */
export function keepRestartOnly(next: Readonly<Config>, changes: readonly RestartOnlyChange[]): Config {
  const copy = structuredClone(next) as Config;
  for (const { key, from } of changes) {
    const parts = key.split('.');
    const leaf = parts.pop() as string;
    let parent = copy as unknown as Record<string, unknown>;
    for (const part of parts) parent = parent[part] as Record<string, unknown>;
    parent[leaf] = from;
  }
  return copy;
}

/** The one warning line's text for these changes: `server.port 5060 → 5070, log.pretty false → true`. */
export function describeChanges(changes: readonly RestartOnlyChange[]): string {
  return changes.map((c) => `${c.key} ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join(', ');
}
