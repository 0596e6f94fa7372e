/**
 * `npm run bench -- --scenario workers` for a few seconds per target (bench/README.md, "Workers and
 * Kamailio"): the bench builds the server, runs it with one worker and with `--workers 2` on the
 * pinned Node, and Kamailio where it is installed, takes three interleaved closed-loop rounds of
 * each, and prints one comparison table and three verdicts. Timing is not judged, only the shape:
 * every target measured, every figure parses, nothing lost by sip4xx, the exit status agrees with
 * the verdicts; and `--stub` reaches its rule.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runBench, tableAt } from '../helpers/bench-run.js';

/** tsc builds the server first (~25 s on the 2-core VM); then three short targets. */
const BENCH_LIMIT_MS = 150_000;

const SUMMARY_COLUMNS = [
  'target', 'runtime', 'procs', 'INVITE/s closed', 'rounds k/s', 'lost', 'p99 ms', 'gen%', 'target% per process', 'µs/req',
  'sweep max/s', '× w1 closed', '× w1 sweep', 'note',
];

function kamailioInstalled(): boolean {
  try {
    execFileSync('kamailio', ['-v'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

const bench = (args: string[]) => runBench(args, BENCH_LIMIT_MS);


const num = (cell: string | undefined): number => Number((cell ?? '').replaceAll(',', '').replace(/×$/, ''));

describe('npm run bench -- --scenario workers, a few seconds per target', () => {
  it('measures one worker, --workers 2 and Kamailio with the same generator and prints one table and three verdicts', async () => {
    const withKamailio = kamailioInstalled();
    const r = await bench([
      '--scenario', 'workers', '--count', '1000', '--duration', '1', '--no-warmup',
      '--sweep-start', '500', '--sweep-step', '500', '--sweep-max', '1000', '--sweep-seconds', '0.5',
    ]);
    const names = ['sip4xx --workers 1', 'sip4xx --workers 2', ...(withKamailio ? ['kamailio, 2 children'] : [])];
    expect(r.stdout, r.stderr).toContain(`sip4xx bench — workers: ${names.join('; ')}\n`);
    const t = tableAt(r.stdout, 'target');
    expect(t.headers).toEqual(SUMMARY_COLUMNS);
    expect(t.rows.map((row) => row['target'])).toEqual(names);
    for (const row of t.rows) {
      expect(row['note'], `${row['target']} was measured`).toBe('');
      for (const col of ['INVITE/s closed', 'p99 ms', 'gen%', 'µs/req', '× w1 closed']) {
        expect(Number.isFinite(num(row[col])), `${row['target']} ${col}: ${row[col]}`).toBe(true);
      }
      // A sweep whose every step missed p99 < 5 ms (a busy machine: these steps are half a second)
      // has no maximum and shows '-': a measurement, not a malformed row.
      for (const col of ['sweep max/s', '× w1 sweep']) {
        expect(row[col] === '-' || Number.isFinite(num(row[col])), `${row['target']} ${col}: ${row[col]}`).toBe(true);
      }
      // sip4xx loses nothing on loopback; Kamailio drops a few of a window of 128 arriving at once
      // (bench/README.md), which is its figure to report, not this test's to judge.
      if (row['target']?.startsWith('sip4xx')) expect(row['lost'], row['target']).toBe('0');
      else expect(Number.isInteger(num(row['lost']))).toBe(true);
      expect(row['target% per process']).toMatch(/^\d+(\+\d+)*$/);
      // Three interleaved closed-loop rounds; the one shown is the median.
      const rounds = (row['rounds k/s'] ?? '').split(' ').map(Number);
      expect(rounds).toHaveLength(3);
      expect(rounds.every(Number.isFinite)).toBe(true);
      expect(num(row['INVITE/s closed']) / 1000).toBeCloseTo([...rounds].sort((x, y) => x - y)[1] as number, 0);
    }
    const [one, two] = t.rows as [Record<string, string>, Record<string, string>];
    // Both sip4xx rows on the same Node, one that has SO_REUSEPORT for every process.
    expect(one['runtime']).toMatch(/^node v(2[2-9]|[3-9]\d)\./);
    expect(two['runtime']).toBe(one['runtime']);
    expect(one['× w1 closed']).toBe('1.00×');
    // One process; then a cluster's primary and its two workers, each with its own CPU figure.
    expect(one['procs']).toBe('1');
    expect(two['procs']).toBe('3');
    expect(two['target% per process']).toMatch(/^\d+\+\d+\+\d+$/);
    if (withKamailio) expect(t.rows[2]?.['runtime']).toMatch(/^kamailio \d+\.\d+/);
    const verdicts = r.stdout.split('\n').filter((l) => /^(PASS|FAIL|-) /.test(l));
    expect(verdicts).toHaveLength(3);
    expect(verdicts[0]).toMatch(/^(PASS|FAIL) {2}--workers 2 closed loop [\d,]+\/s = \d+\.\d\d× one worker's [\d,]+\/s, 0 lost \(target ≥ 1\.4× with zero loss\)$/);
    expect(verdicts[1]).toMatch(withKamailio ? /^(PASS|FAIL) {2}--workers 2 closed loop [\d,]+\/s against Kamailio's [\d,]+\/s/ : /^- {5}Kamailio: not installed/);
    expect(verdicts[2]).toMatch(/^(PASS|FAIL) {2}sweep max rate \(zero loss, p99 < 5 ms\) [\d,]+\/s with one worker, [\d,]+\/s with 2 \(target: rises\)$/);
    expect(r.code).toBe(verdicts.some((v) => v.startsWith('FAIL')) ? 1 : 0);
  }, BENCH_LIMIT_MS + 10_000);

  it('with --stub sends the INVITEs to a configured rule, which answers every one 486', async () => {
    const r = await bench([
      '--scenario', 'workers', '--stub', '--rounds', '1', '--count', '1000', '--duration', '1', '--no-warmup',
      '--sweep-start', '500', '--sweep-max', '500', '--sweep-seconds', '0.5',
    ]);
    expect(r.stdout, r.stderr).toContain('\n--stub: INVITE sip:stubbed@, answered 486 by a configured rule');
    const load = tableAt(r.stdout, 'scenario');
    const sip4xx = load.rows.filter((row) => (row['scenario'] ?? '').startsWith('sip4xx'));
    // A closed-loop round (one: --rounds 1) and sweep steps per sip4xx target (a step that misses
    // p99 on a busy machine is tried again); a 404 would mean the rule missed.
    for (const name of ['sip4xx --workers 1', 'sip4xx --workers 2']) {
      expect(sip4xx.filter((row) => row['scenario'] === name)).toHaveLength(1);
      expect(sip4xx.filter((row) => row['scenario'] === `${name} sweep`).length).toBeGreaterThanOrEqual(1);
    }
    for (const row of sip4xx) {
      expect(row['statuses']).toBe('486');
      expect(row['lost']).toBe('0');
    }
  }, BENCH_LIMIT_MS + 10_000);
});
