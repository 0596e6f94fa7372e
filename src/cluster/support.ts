/**
 * Whether this process can run workers (README, "Workers"), and how many. Pure: main.ts passes the
 * Node version, the platform and the CPU count in.
 *
 * Workers share the SIP ports through SO_REUSEPORT, each process binding its own socket, so the
 * kernel spreads datagrams and connections over them. Node sets it for `dgram.createSocket({
 * reusePort })` and `net.Server.listen({ reusePort })` from v23.1.0, backported to v22.12.0 (README,
 * "Workers"); older releases ignore the option without a word and the second bind fails with
 * EADDRINUSE. Linux (3.9+) balances a port's sockets; other platforms' SO_REUSEPORT does not.
 */

/** The first release of each line that has both options; every line after 23 has them. */
const NEEDED = { 22: [22, 12, 0], 23: [23, 1, 0] } as const;

/** The release that workers need, as the refusal names it. */
export const NODE_NEEDED = 'Node >= 22.12.0 (22.x) or >= 23.1.0';

function parts(version: string): [number, number, number] {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m === null ? [0, 0, 0] : [Number(m[1]), Number(m[2]), Number(m[3])];
}

function atLeast(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) {
    if ((v[i] as number) !== (min[i] as number)) return (v[i] as number) > (min[i] as number);
  }
  return true;
}

/** Whether `version` (process.version) has reusePort for both UDP and TCP sockets. */
export function nodeHasReusePort(version: string): boolean {
  const v = parts(version);
  if (v[0] >= 24) return true;
  if (v[0] === 22 || v[0] === 23) return atLeast(v, NEEDED[v[0]]);
  return false;
}

export interface Runtime {
  /** process.version */
  readonly version: string;
  /** process.platform */
  readonly platform: string;
  /** os.availableParallelism() */
  readonly parallelism: number;
}

export type WorkerPlan =
  | { readonly kind: 'ok'; readonly workers: number; readonly warning?: string }
  | { readonly kind: 'refused'; readonly message: string };

/**
 * server.workers as this runtime can serve it. One process needs nothing; more need Linux and a
 * Node with reusePort. An explicit count it cannot serve is refused (one line, main.ts exits 2);
 * `auto` falls back to one process and says why.
 */
export function planWorkers(requested: number | 'auto', rt: Runtime, max: number): WorkerPlan {
  const wanted = requested === 'auto' ? Math.max(1, Math.min(rt.parallelism, max)) : requested;
  if (wanted <= 1) return { kind: 'ok', workers: 1 };
  const missing =
    rt.platform !== 'linux'
      ? `SO_REUSEPORT load balancing needs Linux (this is ${rt.platform})`
      : nodeHasReusePort(rt.version)
        ? undefined
        : `reusePort needs ${NODE_NEEDED}; this is Node ${rt.version}`;
  if (missing === undefined) return { kind: 'ok', workers: wanted };
  if (requested === 'auto') return { kind: 'ok', workers: 1, warning: `server.workers auto: running 1 process: ${missing}` };
  return { kind: 'refused', message: `server.workers ${requested}: ${missing}` };
}
