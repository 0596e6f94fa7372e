/**
 * The paced sweep (bench/README.md, "Reading the output"): rising offered rates for a few seconds
 * each; the answer is the highest rate with zero loss, p99 under the target and ≥ 95 % of the
 * offered rate achieved.
 */
import type { Args } from './args.js';
import { gcDuring } from './gc-report.js';
import type { LoadResult } from './load.js';
import { measured, scenarioUri, type Measured, type Row } from './measure.js';
import { f0, f2, progress, sleep } from './output.js';
import { TARGET_P99_MS } from './targets.js';

export interface SweepStep extends Measured {
  readonly rate: number;
  readonly pass: boolean;
  readonly why: string;
  readonly attempt: number;
}

export interface SweepResult {
  readonly steps: SweepStep[];
  readonly best: number;
}

/** Where the sweep sends, and the target's pid (CPU) and GC log when the bench knows them. */
export interface SweepTarget {
  readonly host: string;
  readonly port: number;
  readonly pid: number | undefined;
  readonly gcFile?: string | undefined;
  /** The Request-URI of the sweep's requests, when not the scenario's own (bench/measure.ts). */
  readonly requestUri?: string | undefined;
}

/** The whole sweep is bounded, whatever the step settings. */
const SWEEP_LIMIT_MS = 150_000;

export function judgeStep(r: LoadResult, rate: number): { pass: boolean; why: string } {
  const why: string[] = [];
  if (r.lost > 0) why.push(`lost ${r.lost}`);
  if (r.latencyMs.p99 >= TARGET_P99_MS) why.push(`p99 ${f2(r.latencyMs.p99)} ms`);
  if (r.rps < rate * 0.95) why.push(`achieved ${f0(r.rps)}/s`);
  if (r.sendRate < rate * 0.95) why.push(`generator offered only ${f0(r.sendRate)}/s`);
  return { pass: why.length === 0, why: why.length === 0 ? 'ok' : why.join(', ') };
}

/** One step at `rate`: the load, its verdict, and the server's collections during it. */
async function step(a: Args, t: SweepTarget, rate: number, attempt: number): Promise<SweepStep> {
  progress(`sweep ${a.sweepMethod} at ${f0(rate)}/s for ${a.sweepSeconds}s${attempt > 1 ? ' (retry)' : ''}…`);
  const m = await measured(
    {
      host: t.host,
      port: t.port,
      method: a.sweepMethod,
      requestUri: t.requestUri ?? scenarioUri(a.sweepMethod, t.host),
      count: Math.max(1, Math.round(rate * a.sweepSeconds)),
      rate,
      window: a.sweepWindow,
      timeoutMs: a.timeoutMs,
      durationLimitMs: a.sweepSeconds * 1000 + 1000,
      socketsCount: a.sockets,
    },
    t.pid,
  );
  const j = judgeStep(m.result, rate);
  await sleep(j.pass ? 300 : 1000);
  // After the pause, by which the server's GC hook has flushed what it saw during the step.
  return { rate, ...j, attempt, ...m, gc: await gcDuring(t.gcFile, m) };
}

/**
 * A failed step is tried once more (the machine is shared: one GC pause or a neighbour's burst
 * should not end the sweep), then the sweep stops.
 */
export async function sweep(a: Args, t: SweepTarget): Promise<SweepResult> {
  const steps: SweepStep[] = [];
  let best = 0;
  const started = Date.now();
  const tryRate = async (rate: number): Promise<boolean> => {
    for (let attempt = 1; attempt <= 2; attempt++) {
      if (Date.now() - started > SWEEP_LIMIT_MS) return false;
      const s = await step(a, t, rate, attempt);
      steps.push(s);
      if (s.pass) return true;
    }
    return false;
  };
  for (let rate = a.sweepStart; rate <= a.sweepMax; rate += a.sweepStep) {
    if (!(await tryRate(rate))) break;
    best = rate;
  }
  // Not even the first step passed: halve the rate (twice at most) so there is still a figure.
  for (let rate = a.sweepStart / 2, n = 0; best === 0 && n < 2; rate /= 2, n++) {
    if (await tryRate(Math.round(rate))) best = Math.round(rate);
  }
  return { steps, best };
}

/** A sweep's steps as rows of the load table, named `scenario`, each with its verdict. */
export function sweepRows(scenario: string, steps: readonly SweepStep[]): Row[] {
  return steps.map((st) => ({
    scenario,
    result: st.result,
    cpu: st.cpu,
    startMs: st.startMs,
    endMs: st.endMs,
    gc: st.gc,
    verdict: `${st.pass ? 'PASS' : `FAIL: ${st.why}`}${st.attempt > 1 ? ' (retry)' : ''}`,
  }));
}
