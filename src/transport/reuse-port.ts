/**
 * SO_REUSEPORT for the SIP listeners of a worker process (README, "Workers"): each worker binds
 * its own socket on the shared ports and the kernel spreads datagrams and connections over them.
 * Off by default: one process binds as it always did. Set once, before the listeners start, by
 * the worker (src/cluster/worker.ts); Node releases without the option ignore it, which is why
 * src/cluster/support.ts refuses workers there.
 */
let reusePort = false;

export function setReusePort(on: boolean): void {
  reusePort = on;
}

/** What to add to the options of `dgram.createSocket` and `net.Server.listen`. */
export function reusePortOption(): { reusePort?: true } {
  return reusePort ? { reusePort: true } : {};
}
