/**
 * The single-purpose benches (soak.ts, memory.ts) run one sip4xx as tsc compiled it and as the
 * image starts it (bench/build.ts), on free loopback ports, wrapped in `timeout` so it never
 * outlives them, and removed with its build when the run ends.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, compile } from './build.js';
import { freePort, waitForSip } from './net-probe.js';
import { SERVER_NODE_FLAGS, serverEnv } from './server-start.js';

export interface CompiledServer {
  readonly name: string;
  readonly host: string;
  readonly maxSeconds: number;
  readonly serverArgs?: readonly string[];
}

/** Starts the server, waits until it answers SIP, runs `run`, and always stops it. */
export async function withCompiledServer(s: CompiledServer, run: (port: number, adminPort: number) => Promise<number>): Promise<number> {
  const dir = await compile(path.join(os.tmpdir(), `sip4xx-${s.name}-build-${process.pid}`));
  const port = await freePort(s.host);
  let adminPort = await freePort(s.host);
  while (adminPort === port) adminPort = await freePort(s.host);
  const args = [
    ...SERVER_NODE_FLAGS,
    path.join(dir, 'src', 'main.js'),
    ...['--host', s.host, '--port', String(port), '--admin-port', String(adminPort), '--log-level', 'warn', ...(s.serverArgs ?? [])],
  ];
  const child = spawn('timeout', ['-k', '5', String(s.maxSeconds), process.execPath, ...args], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: serverEnv() });
  let exited = false;
  child.on('exit', () => (exited = true));
  try {
    await waitForSip(s.host, port, 15_000, () => !exited);
    return await run(port, adminPort);
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a bench's main and exits with its code (2 for a crash). */
export function exitWith(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(2);
    },
  );
}
