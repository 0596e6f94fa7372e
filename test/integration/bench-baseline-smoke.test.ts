/**
 * `npm run bench -- --scenario baseline --baseline REF` for a few seconds per build (bench/README.md,
 * "Against an earlier commit"): the bench builds this tree and REF (here HEAD, which every clone
 * has), starts both, takes interleaved rounds of a sweep and a closed loop of each, and prints one
 * comparison table and three verdicts. Timing is not judged, only the shape: both builds measured,
 * every figure parses, the medians are those of the rounds, nothing lost, the exit status agrees
 * with the verdicts; and a ref git does not know is refused before anything is built.
 */
import { describe, expect, it } from 'vitest';
import { runBench, tableAt } from '../helpers/bench-run.js';

/** tsc builds each tree (~25 s each on the 2-core VM); then two short rounds of each. */
const BENCH_LIMIT_MS = 180_000;

const SUMMARY_COLUMNS = [
  'target', 'INVITE/s closed', 'rounds k/s', 'lost', 'p99 ms', 'µs/req', 'sweep max/s', 'sweeps k/s', 'p99 ms @20k',
  '× base closed', '× base sweep', '× base µs/req', 'note',
];

const num = (cell: string | undefined): number => Number((cell ?? '').replaceAll(',', '').replace(/×$/, ''));

describe('npm run bench -- --scenario baseline, a few seconds per build', () => {
  it('measures this tree and an earlier commit in interleaved rounds and prints one table and three verdicts', async () => {
    const r = await runBench([
      '--scenario', 'baseline', '--baseline', 'HEAD', '--rounds', '2', '--count', '1000', '--duration', '1', '--no-warmup',
      '--sweep-start', '500', '--sweep-step', '500', '--sweep-max', '1000', '--sweep-seconds', '0.5',
      // For this tree's server only, and named in its rows.
      '--tree-arg=--journal.enabled', '--tree-arg=false',
    ], BENCH_LIMIT_MS);
    expect(r.stdout, r.stderr).toMatch(/^sip4xx bench — this tree against [0-9a-f]{7,} \d{4}-\d\d-\d\d /m);
    const t = tableAt(r.stdout, 'target');
    expect(t.headers).toEqual(SUMMARY_COLUMNS);
    expect(t.rows.map((row) => row['target'])).toEqual([expect.stringMatching(/^sip4xx [0-9a-f]{7}$/), 'sip4xx (this tree) --journal.enabled false']);
    for (const row of t.rows) {
      expect(row['note'], `${row['target']} was measured`).toBe('');
      for (const col of ['INVITE/s closed', 'p99 ms', 'µs/req', '× base closed', '× base µs/req']) {
        expect(Number.isFinite(num(row[col])), `${row['target']} ${col}: ${row[col]}`).toBe(true);
      }
      expect(row['lost'], row['target']).toBe('0');
      // Two rounds of each, interleaved; the figure shown is their median (the mean of the two).
      const rounds = (row['rounds k/s'] ?? '').split(' ').map(Number);
      expect(rounds).toHaveLength(2);
      expect(num(row['INVITE/s closed']) / 1000).toBeCloseTo(((rounds[0] as number) + (rounds[1] as number)) / 2, 0);
      expect((row['sweeps k/s'] ?? '').split(' ')).toHaveLength(2);
      // These sweeps stop at 1,000/s: never at 20,000/s, so no p99 there.
      expect(row['p99 ms @20k']).toBe('-');
    }
    expect(t.rows[0]?.['× base closed']).toBe('1.000×');
    const load = tableAt(r.stdout, 'scenario');
    const names = load.rows.map((row) => (row['scenario'] ?? '').replace(/^sip4xx [0-9a-f]{7}/, 'base'));
    // Each build's sweep steps and closed-loop row, numbered by round, and nothing but 486 anywhere.
    const mine = 'sip4xx (this tree) --journal.enabled false';
    expect(names.filter((n) => !n.includes(' sweep #'))).toEqual(['base #1', 'base #2', `${mine} #1`, `${mine} #2`]);
    expect([...new Set(names.filter((n) => n.includes(' sweep #')))]).toEqual(['base sweep #1', 'base sweep #2', `${mine} sweep #1`, `${mine} sweep #2`]);
    for (const row of load.rows) expect(row['statuses'], row['scenario']).toBe('486');
    const verdicts = r.stdout.split('\n').filter((l) => /^(PASS|FAIL) /.test(l));
    expect(verdicts).toHaveLength(3);
    expect(verdicts[0]).toMatch(/^(PASS|FAIL) {2}closed loop median [\d,]+\/s against [\d,]+\/s = \d\.\d{3}×, 0 lost \(target ≥ 0\.95× with zero loss\)$/);
    expect(verdicts[1]).toMatch(/^(PASS|FAIL) {2}sweep max rate median [\d,]+\/s against [\d,]+\/s \(target ≥ 0\.95×\)$/);
    expect(verdicts[2]).toBe('FAIL  p99 at 20,000 INVITE/s paced, median of the rounds: the sweep never reached it (target < 5 ms)');
    expect(r.code).toBe(1);
  }, BENCH_LIMIT_MS + 10_000);

  it('refuses a ref git does not know, before building anything', async () => {
    const r = await runBench(['--scenario', 'baseline', '--baseline', 'no-such-ref-of-sip4xx'], 30_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bench: --baseline no-such-ref-of-sip4xx: not a commit git knows here');
    expect(r.stderr).not.toContain('compiling');
  }, 40_000);

  it('wants --baseline with the scenario, and only with it; --tree-arg only with it', async () => {
    for (const args of [['--scenario', 'baseline'], ['--baseline', 'HEAD']]) {
      const r = await runBench(args, 30_000);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toContain('--baseline REF goes with --scenario baseline, and it needs one');
    }
    const r = await runBench(['--scenario', 'invite', '--tree-arg=--journal.enabled'], 30_000);
    expect([r.code, r.stderr.includes('--tree-arg goes with --scenario baseline')]).toEqual([1, true]);
  }, 100_000);
});
