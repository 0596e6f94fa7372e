/** Running `bench/run.ts` as `npm run bench` does, for the benchmark's smoke tests. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs bench/run.ts with `args` to its end and returns its exit code and output. Past `limitMs` it
 * is sent SIGTERM (so it stops the servers it started), and SIGKILL 5 s later.
 */
export function runBench(args: readonly string[], limitMs: number): Promise<BenchRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const term = setTimeout(() => child.kill('SIGTERM'), limitMs);
    const kill = setTimeout(() => child.kill('SIGKILL'), limitMs + 5000);
    child.once('exit', (code) => {
      clearTimeout(term);
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}
