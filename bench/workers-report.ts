/**
 * The workers scenario's output (bench/README.md, "Workers and Kamailio"): every load row of every
 * target, one comparison table, and the verdicts — `--workers N` closed loop ≥ 1.4× one worker
 * with zero loss and at least Kamailio's rate, and a sweep that rises with workers.
 */
import os from 'node:os';
import type { Args } from './args.js';
import { targetUsPerRequest, type Row } from './measure.js';
import type { Outcome } from './outcome.js';
import { f0, f2, out, pct } from './output.js';
import { sweepRows, type SweepResult } from './sweep.js';
import { loadTable, table } from './tables.js';
import { TARGET_P99_MS } from './targets.js';
import type { ServerNode } from './workers.js';

/** `--workers N` against one worker, closed loop. */
export const TARGET_WORKERS_RATIO = 1.4;
/** A generator above this share of a core may be what limits the row. */
const GENERATOR_BUSY_PCT = 90;

export interface TargetResult {
  readonly name: string;
  readonly runtime: string;
  /** Processes in the target's tree while it was measured (primary and workers; Kamailio's all). */
  readonly processes?: number;
  /** The closed-loop round with the median rate; every round in `rounds`. */
  readonly closed?: Row | undefined;
  readonly rounds?: readonly Row[];
  readonly sweep?: SweepResult | undefined;
  /** Why it was not measured (it did not start). */
  readonly error?: string | undefined;
}

const ratio = (x: number | undefined, base: number | undefined): string =>
  x === undefined || base === undefined || base <= 0 ? '-' : `${(x / base).toFixed(2)}×`;

function summaryTable(results: readonly TargetResult[]): string {
  const base = results[0];
  const rows = results.map((t) => {
    const r = t.closed?.result;
    const cpu = t.closed?.cpu;
    if (r === undefined || cpu === undefined) return [t.name, t.runtime, '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', t.error ?? 'not measured'];
    const us = targetUsPerRequest(cpu, r);
    return [
      t.name,
      t.runtime,
      String(t.processes ?? '-'),
      f0(r.rps),
      (t.rounds ?? []).map((x) => (x.result.rps / 1000).toFixed(1)).join(' '),
      f0(r.lost),
      f2(r.latencyMs.p99),
      pct(cpu.generatorPct),
      cpu.targetPctByProcess.map((p) => pct(p)).join('+'),
      us === undefined ? '-' : us.toFixed(1),
      t.sweep === undefined ? '-' : f0(t.sweep.best),
      ratio(r.rps, base?.closed?.result.rps),
      ratio(t.sweep?.best, base?.sweep?.best),
      '',
    ];
  });
  const headers = [
    'target', 'runtime', 'procs', 'INVITE/s closed', 'rounds k/s', 'lost', 'p99 ms', 'gen%', 'target% per process', 'µs/req',
    'sweep max/s', '× w1 closed', '× w1 sweep', 'note',
  ];
  return table(headers, rows, headers.map((_, i) => i >= 2 && i < 13));
}

/**
 * What the machine allows: one worker's row gives the CPU the generator and the server spend per
 * INVITE+ACK; on `cores` cores both together reach at most cores / (gen + srv) per second, against
 * 1 / srv for one saturated worker. The ratio target is only reachable where that bound is above it.
 */
function budgetLine(one: TargetResult | undefined): string | undefined {
  const r = one?.closed?.result;
  const cpu = one?.closed?.cpu;
  if (r === undefined || cpu === undefined) return undefined;
  const srv = targetUsPerRequest(cpu, r);
  const gen = targetUsPerRequest({ ...cpu, targetPct: cpu.generatorPct }, r);
  if (srv === undefined || gen === undefined || srv <= 0) return undefined;
  const cores = os.availableParallelism();
  const bound = (cores * 1e6) / (gen + srv);
  return (
    `CPU budget: ${gen.toFixed(1)} µs (generator) + ${srv.toFixed(1)} µs (one worker) per INVITE+ACK; ${cores} cores allow ` +
    `at most ${f0(bound)}/s for all processes together, ${(bound / (1e6 / srv)).toFixed(2)}× one saturated worker (${f0(1e6 / srv)}/s)`
  );
}

function verdict(o: Outcome, ok: boolean, text: string): void {
  if (!ok) o.failed = true;
  o.verdicts.push(`${ok ? 'PASS' : 'FAIL'}  ${text}`);
}

function verdicts(a: Args, results: readonly TargetResult[], o: Outcome): void {
  const [one, many, kam] = results;
  const r1 = one?.closed?.result;
  const rn = many?.closed?.result;
  if (r1 === undefined || rn === undefined) {
    verdict(o, false, `--workers ${a.workers} against one worker: not measured (${many?.error ?? one?.error ?? 'no result'})`);
    return;
  }
  const x = rn.rps / Math.max(1, r1.rps);
  const lost = r1.lost + rn.lost;
  verdict(o, x >= TARGET_WORKERS_RATIO && lost === 0,
    `--workers ${a.workers} closed loop ${f0(rn.rps)}/s = ${x.toFixed(2)}× one worker's ${f0(r1.rps)}/s, ${lost} lost (target ≥ ${TARGET_WORKERS_RATIO}× with zero loss)`);
  const rk = kam?.closed?.result;
  if (kam === undefined) o.verdicts.push('-     Kamailio: not installed, no comparison');
  else if (rk === undefined) verdict(o, false, `Kamailio: not measured (${kam.error ?? 'no result'})`);
  else verdict(o, rn.rps >= rk.rps, `--workers ${a.workers} closed loop ${f0(rn.rps)}/s against Kamailio's ${f0(rk.rps)}/s (target: at least Kamailio's)`);
  const s1 = one?.sweep?.best ?? 0;
  const sn = many?.sweep?.best ?? 0;
  verdict(o, sn > s1, `sweep max rate (zero loss, p99 < ${TARGET_P99_MS} ms) ${f0(s1)}/s with one worker, ${f0(sn)}/s with ${a.workers} (target: rises)`);
}

function jsonOf(t: TargetResult): Record<string, unknown> {
  return {
    name: t.name,
    runtime: t.runtime,
    processes: t.processes,
    error: t.error,
    closed: t.closed === undefined ? undefined : { cpu: t.closed.cpu, gc: t.closed.gc ?? null, ...t.closed.result },
    rounds: (t.rounds ?? []).map((r) => ({ rps: r.result.rps, lost: r.result.lost, p99Ms: r.result.latencyMs.p99, cpu: r.cpu })),
    sweep: t.sweep === undefined ? undefined : { best: t.sweep.best, steps: t.sweep.steps.map((s) => ({ rate: s.rate, pass: s.pass, why: s.why, attempt: s.attempt, cpu: s.cpu, p99Ms: s.result.latencyMs.p99 })) },
  };
}

export function reportWorkers(a: Args, node: ServerNode, results: readonly TargetResult[], o: Outcome): void {
  o.report['workers'] = { serverNode: node, generatorNode: process.version, sockets: a.sockets, targets: results.map(jsonOf) };
  out(`\nworkers: sip4xx on ${node.version} (${node.path}), generator on node ${process.version}, ${a.sockets} source sockets\n`);
  const rows = [...results.flatMap((t) => sweepRows(`${t.name} sweep`, t.sweep?.steps ?? [])), ...results.flatMap((t) => t.rounds ?? [])];
  if (rows.length > 0) out(loadTable(rows, 'target'));
  out('');
  out(summaryTable(results));
  out('\ntarget% per process: the target\'s process tree, parent first (a cluster\'s primary, then its workers; Kamailio\'s main, receivers and timers)');
  const budget = budgetLine(results[0]);
  if (budget !== undefined) out(budget);
  for (const t of results) {
    const g = t.closed?.cpu.generatorPct;
    if (g !== undefined && g > GENERATOR_BUSY_PCT) out(`note: the generator used ${pct(g)}% of a core against ${t.name}: it may be what limits that row`);
    // sip4xx must lose nothing; Kamailio's losses are its figure (the `lost` column), not our failure.
    if (t.name.startsWith('sip4xx') && (t.rounds ?? []).some((r) => r.result.lost > 0)) o.failed = true;
  }
  verdicts(a, results, o);
}
