/**
 * The descriptor budget of the stream listeners. Every connection holds a descriptor; when the
 * process runs out, the kernel refuses accept() and libuv closes the connection it could not take
 * without telling us, and the admin endpoint (/healthz) can no longer accept either. So the
 * connection cap is held below the soft RLIMIT_NOFILE, with a reserve for the UDP sockets, the
 * admin endpoint, media ports, the log and configuration files.
 *
 * Node has no getrlimit: on Linux the limit is read from /proc/self/limits; elsewhere it is unknown
 * and the configured cap stands.
 */
import { readFileSync } from 'node:fs';

/** Descriptors kept free of connections (UDP, admin HTTP, media ports, files). */
export const DESCRIPTOR_RESERVE = 128;

/** The soft "Max open files" of a /proc/<pid>/limits text; undefined for "unlimited" or absent. */
export function parseOpenFilesLimit(text: string): number | undefined {
  const m = /^Max open files\s+(\d+|unlimited)\s+/m.exec(text);
  if (m === null || m[1] === 'unlimited') return undefined;
  return Number(m[1]);
}

let cached: number | undefined | null = null;

/** This process's soft descriptor limit, read once; undefined when it cannot be known. */
export function descriptorLimit(): number | undefined {
  if (cached === null) {
    try {
      cached = parseOpenFilesLimit(readFileSync('/proc/self/limits', 'latin1'));
    } catch {
      cached = undefined;
    }
  }
  return cached;
}

/**
 * The connections one listener may hold: `max`, lowered to what the descriptor limit leaves after
 * the reserve (at least 1).
 */
export function connectionCap(max: number, limit: number | undefined = descriptorLimit()): number {
  return limit === undefined ? max : Math.max(1, Math.min(max, limit - DESCRIPTOR_RESERVE));
}
