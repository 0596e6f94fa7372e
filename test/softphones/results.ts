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
