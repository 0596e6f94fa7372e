/**
 * Every process the runner starts (sip4xx, baresip, linphonec) is tracked here, so that it can be
 * stopped by pid at the end of the run, on a signal or from the watchdog, and never anything else.
 */
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; only ever the processes this runner started, by pid. */
export async function stop(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (exited(child)) return;
  child.kill('SIGTERM');
  if (!(await waitExit(child, graceMs))) {
    child.kill('SIGKILL');
    await waitExit(child, 1000);
  }
}

/** For a client that was told to quit: give it `ms` to exit by itself, then stop it. */
export async function stopAfter(child: ChildProcess, ms: number): Promise<void> {
  if (!(await waitExit(child, ms))) await stop(child);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stop(c)));
}

/** Last resort on a signal, the watchdog or a crash: synchronous, so it also runs from 'exit'. */
export function killAllNow(): void {
  for (const c of children) if (!exited(c)) c.kill('SIGKILL');
}
