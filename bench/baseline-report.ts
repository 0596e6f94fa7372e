/**
 * The baseline scenario's output (bench/README.md, "Against an earlier commit"): every load row of
 * both builds, one comparison of their medians over the interleaved rounds, and the verdicts —
 * this tree's closed-loop rate and sweep maximum within 5 % of the earlier commit's, with zero
 * loss, and its p99 at 20,000 INVITE/s paced under 5 ms.
 */
import type { Args } from './args.js';
import { targetUsPerRequest, type Row } from './measure.js';
import type { Outcome } from './outcome.js';
import { f0, f2, out } from './output.js';
import { sweepRows, type SweepResult } from './sweep.js';
import { loadTable, table } from './tables.js';
import { TARGET_P99_MS, TARGET_RPS } from './targets.js';

/** How far below the earlier commit's median this tree's may be. */
export const TARGET_BASELINE_RATIO = 0.95;

export interface BaselineTarget {
  readonly name: string;
  readonly sweeps?: readonly SweepResult[];
  readonly rounds?: readonly Row[];
  /** Why it was not measured (it did not start). */
  readonly error?: string | undefined;
}

/** The median of the values (the mean of the middle two for an even count); undefined when there are none. */
export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** What the table and the verdicts compare, each a median over the rounds. */
export interface Medians {
  readonly closed: number | undefined;
  readonly closedP99: number | undefined;
  readonly usPerReq: number | undefined;
  readonly sweepMax: number | undefined;
  /** The p99 of each round's sweep step at TARGET_RPS (its last attempt), where the sweep reached it. */
  readonly p99AtTarget: number | undefined;
  readonly lost: number;
}

export function mediansOf(t: BaselineTarget): Medians {
  const rounds = t.rounds ?? [];
  const sweeps = t.sweeps ?? [];
  const atTarget = sweeps.flatMap((s) => s.steps.filter((st) => st.rate === TARGET_RPS).slice(-1).map((st) => st.result.latencyMs.p99));
  return {
    closed: median(rounds.map((r) => r.result.rps)),
    closedP99: median(rounds.map((r) => r.result.latencyMs.p99)),
    usPerReq: median(rounds.flatMap((r) => targetUsPerRequest(r.cpu, r.result) ?? [])),
    sweepMax: median(sweeps.map((s) => s.best)),
    p99AtTarget: median(atTarget),
    lost: rounds.reduce((n, r) => n + r.result.lost, 0),
  };
}

const ratio = (x: number | undefined, base: number | undefined): string =>
  x === undefined || base === undefined || base <= 0 ? '-' : `${(x / base).toFixed(3)}×`;
const opt = (x: number | undefined, f: (n: number) => string): string => (x === undefined ? '-' : f(x));

function summaryTable(targets: readonly BaselineTarget[], medians: readonly Medians[]): string {
  const base = medians[0];
  const rows = targets.map((t, i) => {
    const m = medians[i] as Medians;
    if (t.error !== undefined) return [t.name, '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', t.error];
    return [
      t.name,
      opt(m.closed, f0),
      (t.rounds ?? []).map((r) => (r.result.rps / 1000).toFixed(1)).join(' '),
      f0(m.lost),
      opt(m.closedP99, f2),
      opt(m.usPerReq, (n) => n.toFixed(1)),
      opt(m.sweepMax, f0),
      (t.sweeps ?? []).map((s) => (s.best / 1000).toFixed(0)).join(' '),
      opt(m.p99AtTarget, f2),
      ratio(m.closed, base?.closed),
      ratio(m.sweepMax, base?.sweepMax),
      ratio(m.usPerReq, base?.usPerReq),
      '',
    ];
  });
  const headers = [
    'target', 'INVITE/s closed', 'rounds k/s', 'lost', 'p99 ms', 'µs/req', 'sweep max/s', 'sweeps k/s', `p99 ms @${TARGET_RPS / 1000}k`,
    '× base closed', '× base sweep', '× base µs/req', 'note',
  ];
  return table(headers, rows, headers.map((_, i) => i >= 1 && i < 12));
}

function verdict(o: Outcome, ok: boolean, text: string): void {
  if (!ok) o.failed = true;
  o.verdicts.push(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
}

/** This tree (the second target) against the earlier commit (the first). */
export function verdicts(targets: readonly BaselineTarget[], medians: readonly Medians[], o: Outcome): void {
  const [base, mine] = medians;
  const [bt, mt] = targets;
  if (base?.closed === undefined || mine?.closed === undefined) {
    verdict(o, false, `against the earlier commit: not measured (${mt?.error ?? bt?.error ?? 'no result'})`);
    return;
  }
  const floor = (n: number): number => Math.floor(n * TARGET_BASELINE_RATIO);
  verdict(o, mine.closed >= floor(base.closed) && mine.lost === 0,
    `closed loop median ${f0(mine.closed)}/s against ${f0(base.closed)}/s = ${(mine.closed / base.closed).toFixed(3)}×, ${mine.lost} lost (target ≥ ${TARGET_BASELINE_RATIO}× with zero loss)`);
  const sb = base.sweepMax ?? 0;
  const sm = mine.sweepMax ?? 0;
  verdict(o, sm >= floor(sb), `sweep max rate median ${f0(sm)}/s against ${f0(sb)}/s (target ≥ ${TARGET_BASELINE_RATIO}×)`);
  const p = mine.p99AtTarget;
  verdict(o, p !== undefined && p < TARGET_P99_MS,
    `p99 at ${f0(TARGET_RPS)} INVITE/s paced, median of the rounds: ${p === undefined ? 'the sweep never reached it' : `${f2(p)} ms`} (target < ${TARGET_P99_MS} ms)`);
}

export function reportBaseline(a: Args, commit: string, targets: readonly BaselineTarget[], o: Outcome): void {
  const medians = targets.map(mediansOf);
  o.report['baseline'] = {
    commit,
    rounds: a.rounds,
    targets: targets.map((t, i) => ({
      name: t.name,
      error: t.error,
      medians: medians[i],
      closed: (t.rounds ?? []).map((r) => ({ rps: r.result.rps, lost: r.result.lost, p99Ms: r.result.latencyMs.p99, cpu: r.cpu })),
      sweeps: (t.sweeps ?? []).map((s) => ({ best: s.best, steps: s.steps.map((st) => ({ rate: st.rate, pass: st.pass, why: st.why, attempt: st.attempt, p99Ms: st.result.latencyMs.p99 })) })),
    })),
  };
  const rows = [
    ...targets.flatMap((t) => (t.sweeps ?? []).flatMap((s, i) => sweepRows(`${t.name} sweep #${i + 1}`, s.steps))),
    ...targets.flatMap((t) => t.rounds ?? []),
  ];
  if (rows.length > 0) out(loadTable(rows, 'target'));
  out('');
  out(summaryTable(targets, medians));
  out(`\nmedians over ${a.rounds} interleaved rounds; × base: this row against the first (${commit.slice(0, 12)}), µs/req is the server's CPU per INVITE+ACK`);
  verdicts(targets, medians, o);
}
