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

/**
 * The table of a bench's output whose header line starts with `first` (then a space), as
 * header → cell per row, cut at the column spans its dashed rule gives. Throws when there is none.
 */
export function tableAt(stdout: string, first: string): { headers: string[]; rows: Record<string, string>[] } {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${first} `));
  if (at < 0) throw new Error(`no table starting with ${first} in:\n${stdout}`);
  const spans = [...(lines[at + 1] ?? '').matchAll(/-+/g)].map((m) => m.index);
  const cells = (line: string): string[] => spans.map((s, i) => line.slice(s, spans[i + 1]).trim());
  const headers = cells(lines[at] as string);
  const rows: Record<string, string>[] = [];
  for (let i = at + 2; i < lines.length && (lines[i] ?? '') !== ''; i++) {
    const c = cells(lines[i] as string);
    rows.push(Object.fromEntries(headers.map((h, j) => [h, c[j] ?? ''])));
  }
  return { headers, rows };
}
