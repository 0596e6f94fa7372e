/**
 * The tsc build the bench runs the server from (bench/README.md, "Running"): tsconfig.bench.json,
 * which is tsconfig.build.json plus the bench's hooks and bench/core.ts, emitted into a scratch
 * directory outside the repository. tsx emits each module on a single line, which leaves V8's
 * per-line profile ticks useless, and its keepNames transform gives every closure a property array
 * (measured: +45 % heap per transaction); tsc keeps the line structure and writes source maps.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs a command to completion (bounded), resolving with its exit code and its last 64 KiB of output. */
export function runCommand(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-65536);
    };
    proc.stdout.on('data', take);
    proc.stderr.on('data', take);
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

const OUTPUTS = ['src/main.js', 'bench/prof-hook.js', 'bench/gc-hook.js', 'bench/core.js'];

/**
 * Compiles into `dir` (emptied first), laid out so that src/main.js finds ../config,
 * ../package.json and node_modules as it would in the repository. Type errors in work-in-progress
 * files do not stop tsc from emitting; only a missing output does.
 */
export async function compile(dir: string): Promise<string> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = await runCommand(process.execPath, [tsc, '-p', 'tsconfig.bench.json', '--outDir', dir], 120_000);
  for (const name of OUTPUTS) {
    if (!existsSync(path.join(dir, name))) throw new Error(`tsc did not produce ${name}:\n${r.output.slice(-2000)}`);
  }
  for (const name of ['config', 'package.json', 'node_modules']) symlinkSync(path.join(ROOT, name), path.join(dir, name));
  return dir;
}
