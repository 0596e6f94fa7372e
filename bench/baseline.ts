/**
 * `npm run bench -- --scenario baseline --baseline REF` (bench/README.md, "Against an earlier
 * commit"): this tree and commit REF, each built with tsc and started with the same node flags and
 * allocator settings (server-start.ts), each on its own configuration defaults, measured by the same
 * generator in the same run. A single run of either build varies by ±15 % on a shared 2-core VM,
 * more than the 5 % this compares, so both stay up and are measured in interleaved rounds — a
 * warm-up, the paced sweep and the closed-loop INVITE row of one, then the other's, the order
 * swapped every round — and the medians are compared. bench/baseline-report.ts prints the result.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Args } from './args.js';
import { ROOT, runCommand } from './build.js';
import { spawnServer } from './children.js';
import type { Row } from './measure.js';
import type { Outcome } from './outcome.js';
import { out, progress } from './output.js';
import type { SweepResult } from './sweep.js';
import { reportBaseline, type BaselineTarget } from './baseline-report.js';
import { closedLoop, startAll, sweepOne, type Started, type TargetSpec } from './workers.js';

const git = (args: string[], input?: Buffer): Buffer => execFileSync('git', ['-C', ROOT, ...args], { maxBuffer: 1 << 28, timeout: 60_000, ...(input === undefined ? {} : { input }) });

/**
 * REF's tree in `dir` (git archive, so the working tree and its branches are untouched), built
 * with this tree's tsc into dir/dist, next to its own config/ and package.json. Its entry point.
 */
async function buildRef(ref: string, dir: string): Promise<{ main: string; commit: string }> {
  let commit: string;
  try {
    commit = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).toString('utf8').trim();
  } catch {
    throw new Error(`--baseline ${ref}: not a commit git knows here (the bench needs the repository's history)`);
  }
  execFileSync('tar', ['-x', '-C', dir], { input: git(['archive', '--format=tar', commit]), timeout: 60_000 });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  progress(`compiling ${commit.slice(0, 12)} with tsc…`);
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = await runCommand(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.build.json')], 180_000);
  const main = path.join(dir, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`tsc did not produce dist/main.js for ${ref}:\n${r.output.slice(-2000)}`);
  return { main, commit };
}

function subject(commit: string): string {
  return git(['log', '-1', '--format=%h %cs %s', commit]).toString('utf8').trim().slice(0, 100);
}

interface Measures {
  readonly sweeps: SweepResult[];
  readonly rounds: Row[];
}

/** Round r: each target's warm-up, sweep and closed loop in turn, first the one that went last in round r − 1. */
async function interleaved(a: Args, started: readonly Started[]): Promise<Map<string, Measures>> {
  const m = new Map<string, Measures>(started.map((s) => [s.spec.name, { sweeps: [], rounds: [] }]));
  for (let round = 1; round <= a.rounds; round++) {
    const order = round % 2 === 1 ? started : [...started].reverse();
    for (const s of order) {
      const got = m.get(s.spec.name);
      if (got === undefined) continue;
      progress(`\n== round ${round} of ${a.rounds}: ${s.spec.name}`);
      got.sweeps.push(await sweepOne(a, s));
      got.rounds.push(await closedLoop(a, s.child, `${s.spec.name} #${round}`));
    }
  }
  return m;
}

/** The whole scenario: REF built in a scratch directory, both started, measured, stopped, the build removed. */
export async function baselinePart(a: Args, o: Outcome): Promise<void> {
  const ref = a.baseline;
  if (ref === undefined) throw new Error('--scenario baseline needs --baseline REF (a commit, tag or branch)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sip4xx-bench-baseline-'));
  try {
    const { main, commit } = await buildRef(ref, dir);
    const specs: TargetSpec[] = [
      { name: `sip4xx ${commit.slice(0, 7)}`, runtime: `node ${process.version}`, servers: 1, start: () => spawnServer(a, undefined, { main }) },
      {
        name: a.treeArgs.length === 0 ? 'sip4xx (this tree)' : `sip4xx (this tree) ${a.treeArgs.join(' ')}`.slice(0, 60),
        runtime: `node ${process.version}`,
        servers: 1,
        start: () => spawnServer(a, undefined, { args: a.treeArgs }),
      },
    ];
    out(`sip4xx bench — this tree against ${subject(commit)}`);
    out(
      `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, ${a.rounds} interleaved rounds, ` +
        `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`,
    );
    const { started, failed } = await startAll(specs);
    try {
      const m = await interleaved(a, started);
      const targets: BaselineTarget[] = specs.map((spec) => ({ name: spec.name, error: failed.get(spec.name), ...m.get(spec.name) }));
      reportBaseline(a, commit, targets, o);
    } finally {
      await Promise.all(started.map((s) => s.child.stop()));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
