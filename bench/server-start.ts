/**
 * How every bench starts the server: with the node flags and the C allocator settings of its own
 * start paths (bin/sip4xx, which `npm start` runs, and the image's ENTRYPOINT and ENV), so that a
 * figure measured here is the one a user gets. test/unit/server-start.test.ts holds the three
 * to the same values; bench/README.md ("Fuzz", "Memory") says why each is there.
 */

/** The heap flags of bin/sip4xx and the image's ENTRYPOINT. */
export const SERVER_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=64', '--max-semi-space-size=8'];

/** glibc's malloc without its per-thread cache and fast bins, mmap threshold fixed (bin/sip4xx, the image's ENV). */
export const SERVER_GLIBC_TUNABLES = 'glibc.malloc.tcache_count=0:glibc.malloc.mxfast=0:glibc.malloc.mmap_threshold=131072';

/** The server's environment: this one's, with GLIBC_TUNABLES as bin/sip4xx would set it. */
export function serverEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, GLIBC_TUNABLES: process.env['GLIBC_TUNABLES'] ?? SERVER_GLIBC_TUNABLES, ...extra };
}
