/**
 * The processes under test: the tsc-built server (with bench/gc-hook.ts, and bench/prof-hook.ts
 * with --profile) or bench/reflector.ts. Each runs under `timeout`, or stops itself after
 * MAX_CHILD_SECONDS, so that none outlives the bench; `stopAll` sends SIGTERM, then SIGKILL after 5 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Args } from './args.js';
import { ROOT, compile } from './build.js';
import { childPids } from './cpu.js';
import { freePort, waitForSip } from './net-probe.js';
import { progress } from './output.js';
import { SERVER_NODE_FLAGS, serverEnv } from './server-start.js';

const MAX_CHILD_SECONDS = 900;

export interface Child {
  readonly host: string;
  readonly port: number;
  /** The server's TLS and WSS listeners (spawned server only). */
  readonly tlsPort?: number;
  readonly wssPort?: number;
  readonly proc: ChildProcess;
  /** The process doing the work (the node under `timeout`), for CPU accounting. */
  workPid: number | undefined;
  /** Where the server's bench/gc-hook.ts logs its garbage collections (spawned server only). */
  readonly gcFile?: string;
  /** Last ~64 KiB of the child's stdout+stderr. */
  output(): string;
  stop(): Promise<void>;
}

const children = new Set<Child>();

export function running(): number {
  return children.size;
}

let buildDir: string | undefined;
let built: Promise<string> | undefined;

/**
 * The tsc build of src/ and the bench's hooks (bench/build.ts), made once per run in a directory
 * of its own, so that two benches (or a bench and a soak) never run each other's build.
 */
export function buildOnce(): Promise<string> {
  if (built === undefined) {
    progress('compiling src/ with tsc (line-accurate source maps)…');
    buildDir = mkdtempSync(path.join(os.tmpdir(), 'sip4xx-bench-build-'));
    built = compile(buildDir);
  }
  return built;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => c.stop()));
  children.clear();
}

/** Stops every child, then removes the build (the server's GC log with it). */
export async function cleanUp(): Promise<void> {
  await stopAll();
  if (buildDir !== undefined) rmSync(buildDir, { recursive: true, force: true });
  buildDir = undefined;
  built = undefined;
}

/** Stopped with the others by `stopAll` / `cleanUp` (a target started elsewhere, e.g. bench/kamailio.ts). */
export function adopt(c: Child): void {
  children.add(c);
}

export function attachOutput(proc: ChildProcess, verbose: boolean, onLine?: (line: string) => void): () => string {
  let buf = '';
  const take = (chunk: Buffer): void => {
    const s = chunk.toString('utf8');
    if (verbose) process.stderr.write(s);
    buf = (buf + s).slice(-65536);
    if (onLine !== undefined) for (const line of s.split('\n')) onLine(line);
  };
  proc.stdout?.on('data', take);
  proc.stderr?.on('data', take);
  return () => buf;
}

export function makeStop(proc: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const kill = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      proc.kill('SIGTERM');
    });
}

/** node's arguments for the server: as the image runs it, plus the hooks. */
function serverNodeArgs(build: string, profileDir: string | undefined, main: string): string[] {
  // The flags of the server's own start paths (server-start.ts). The GC hook is always loaded:
  // the sweep's p99 tail is made of the server's pauses.
  const args = [...SERVER_NODE_FLAGS, '--import', path.join(build, 'bench', 'gc-hook.js'), main];
  // The profiler hook maps frames back to the .ts sources, which needs source maps on.
  if (profileDir !== undefined) args.unshift('--enable-source-maps', '--import', path.join(build, 'bench', 'prof-hook.js'));
  return args;
}

/** How the workers scenario (bench/workers.ts) starts a server: another node binary, more arguments. */
export interface ServerVariant {
  /** The node binary that runs the server (default: the bench's own). */
  readonly node?: string;
  /** Appended after --server-arg, e.g. `--workers 2`. */
  readonly args?: readonly string[];
  /**
   * The server's entry point, when not this tree's build (bench/baseline.ts: an earlier commit's,
   * started without the TLS / WSS port arguments, which a commit older than them refuses).
   */
  readonly main?: string;
}

export async function spawnServer(a: Args, profileDir: string | undefined, variant: ServerVariant = {}): Promise<Child> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  // Free TLS / WSS ports of its own (not 5061 / 8089, which another server may hold); WS unused.
  const [tlsPort, wssPort] = [await freePort(host), await freePort(host)];
  const build = await buildOnce();
  const args = [
    ...serverNodeArgs(build, profileDir, variant.main ?? path.join(build, 'src', 'main.js')),
    ...['--port', String(port), '--host', host, '--log-level', 'warn', '--admin-port', '0'],
    ...(variant.main === undefined ? ['--server.tls.port', String(tlsPort), '--server.wss.port', String(wssPort), '--server.ws.port', '0'] : []),
    ...a.serverArgs,
    ...(variant.args ?? []),
  ];
  const gcFile = path.join(build, `server-gc-${Date.now()}.log`);
  writeFileSync(gcFile, '');
  const env = serverEnv({ BENCH_GC_FILE: gcFile });
  if (profileDir !== undefined) env['BENCH_PROF_DIR'] = profileDir;
  // `timeout` bounds the server's life even if this process dies without cleaning up.
  const node = variant.node ?? a.serverNode ?? process.execPath;
  const proc = spawn('timeout', ['-k', '5', String(MAX_CHILD_SECONDS), node, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
  });
  const output = attachOutput(proc, a.verbose);
  const child: Child = { host, port, tlsPort, wssPort, proc, workPid: undefined, gcFile, output, stop: makeStop(proc) };
  children.add(child);
  let exited = false;
  proc.once('exit', () => {
    exited = true;
  });
  progress(`starting server: ${node === process.execPath ? 'node' : node} ${args.join(' ')}`);
  try {
    await waitForSip(host, port, 20_000, () => !exited);
  } catch (err) {
    await child.stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- server output ---\n${output()}`, { cause: err });
  }
  child.workPid = proc.pid === undefined ? undefined : childPids(proc.pid)[0];
  return child;
}

export async function spawnReflector(a: Args): Promise<Child> {
  const args = ['--import', 'tsx', 'bench/reflector.ts', '--port', '0', '--max-seconds', String(MAX_CHILD_SECONDS)];
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let onPort: (p: number) => void = () => undefined;
  const gotPort = new Promise<number>((resolve) => {
    onPort = resolve;
  });
  const output = attachOutput(proc, a.verbose, (line) => {
    const m = /^REFLECTOR LISTENING (\d+)/.exec(line);
    if (m !== null) onPort(Number(m[1]));
  });
  const stop = makeStop(proc);
  const timer = setTimeout(() => onPort(-1), 20_000);
  const port = await Promise.race([gotPort, new Promise<number>((r) => proc.once('exit', () => r(-1)))]);
  clearTimeout(timer);
  if (port <= 0) {
    await stop();
    throw new Error(`the reflector did not start\n${output()}`);
  }
  const child: Child = { host: '127.0.0.1', port, proc, workPid: proc.pid, output, stop };
  children.add(child);
  return child;
}
