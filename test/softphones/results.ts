/**
 * The suite's output: one PASS/FAIL/SKIP line per case, the evidence under a failure, and the
 * counts for the final "N passed, N failed" line.
 */
import process from 'node:process';

let passed = 0;
let failed = 0;

/** A FAIL line, counted; `record` adds the problems and evidence under it. */
export function fail(name: string): void {
  failed++;
  console.log(`FAIL  ${name}`);
}

/** One result line; on failure the problems and the given evidence, indented. */
export function record(name: string, problems: readonly string[], evidence: () => string[] = () => []): void {
  if (problems.length === 0) {
    passed++;
    console.log(`PASS  ${name}`);
    return;
  }
  fail(name);
  for (const p of problems) console.log(`  - ${p}`);
  for (const block of evidence()) {
    for (const line of block.split('\n')) console.log(`  | ${line}`);
  }
}

/** Outside CI only: under CI=true the missing client was already reported as a FAIL. */
export function skip(name: string, why: string): void {
  if (process.env.CI !== 'true') console.log(`SKIP  ${name} (${why})`);
}

export function summary(): string {
  return `${passed} passed, ${failed} failed`;
}

export function anyFailed(): boolean {
  return failed > 0;
}

/** The last `lines` lines of a client's output, for the evidence under a failure. */
export function tail(text: string, lines: number): string {
  const all = text.replace(/\r/g, '').split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}

/**
 * Runs a suite's `main` under a watchdog (`abort` is called when `deadlineMs` passes), records a
 * crash as a failed case, always runs `cleanup`, then prints the run time and the one summary line
 * and sets the exit status. Shared by the softphones and browser suites.
 */
export async function runSuite(opts: {
  main: () => Promise<void>;
  cleanup: () => Promise<void>;
  abort: (failLine: string, exitCode: number) => never;
  deadlineMs: number;
  started: number;
}): Promise<void> {
  const watchdog = setTimeout(() => opts.abort(`suite finished within ${opts.deadlineMs / 1000} s (still running; stopped)`, 1), opts.deadlineMs);
  try {
    await opts.main();
  } catch (err) {
    record('suite ran to the end', [`crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`]);
  } finally {
    await opts.cleanup();
    clearTimeout(watchdog);
  }
  console.log(`run time ${((Date.now() - opts.started) / 1000).toFixed(1)} s`);
  console.log(summary());
  process.exitCode = anyFailed() ? 1 : 0;
}
