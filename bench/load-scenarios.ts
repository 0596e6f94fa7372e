/**
 * The load part of `npm run bench` (bench/README.md, "Reading the output"): a warm-up, the paced
 * sweep, the closed-loop INVITE and OPTIONS rows, then the reflector's sweep as calibration.
 */
import type { Args } from './args.js';
import { spawnReflector, stopAll } from './children.js';
import { gcDuring } from './gc-report.js';
import { runLoad } from './load.js';
import { measured, scenarioUri, targetUsPerRequest, type Row } from './measure.js';
import type { Outcome } from './outcome.js';
import { f0, out, progress, sleep } from './output.js';
import { streamScenarios, type StreamTarget } from './stream-scenarios.js';
import { sweep, sweepRows, type SweepResult, type SweepTarget } from './sweep.js';
import { loadTable } from './tables.js';
import { TARGET_P99_MS, TARGET_RPS } from './targets.js';

/** Unreported runs first, so that the first reported row does not pay for V8's compilation. */
export async function warmup(a: Args, t: SweepTarget): Promise<void> {
  if (a.scenario === 'tls' || a.scenario === 'wss') return; // those rows warm up their own path
  progress('warm-up (not reported)…');
  for (const method of ['INVITE', 'OPTIONS'] as const) {
    await runLoad({
      host: t.host,
      port: t.port,
      method,
      requestUri: scenarioUri(method, t.host),
      // Few OPTIONS: each leaves a transaction alive for 32 s (Timer J) that later runs would pay for.
      count: method === 'INVITE' ? 20_000 : 5_000,
      window: a.window,
      timeoutMs: a.timeoutMs,
      durationLimitMs: 3000,
      socketsCount: a.sockets,
    });
  }
  await sleep(300);
}

function sweepReport(a: Args, s: SweepResult): Record<string, unknown> {
  return {
    method: a.sweepMethod,
    maxSustainableRate: s.best,
    ceilingReached: !s.steps.every((st) => st.pass),
    steps: s.steps.map((st) => ({
      rate: st.rate,
      pass: st.pass,
      why: st.why,
      attempt: st.attempt,
      cpu: { ...st.cpu, targetUsPerRequest: targetUsPerRequest(st.cpu, st.result) },
      gc: st.gc ?? null,
      ...st.result,
    })),
  };
}

/** The closed-loop INVITE and OPTIONS rows (window-limited unless --rate). */
async function closedLoop(a: Args, t: SweepTarget, o: Outcome): Promise<Row[]> {
  const rows: Row[] = [];
  for (const method of ['INVITE', 'OPTIONS'] as const) {
    if (a.scenario !== 'all' && a.scenario !== method.toLowerCase()) continue;
    progress(`${method} ${scenarioUri(method, t.host)}: ${a.count} requests, window ${a.window}…`);
    const m = await measured(
      {
        host: t.host,
        port: t.port,
        method,
        requestUri: scenarioUri(method, t.host),
        count: a.count,
        rate: a.rate,
        window: a.window,
        timeoutMs: a.timeoutMs,
        durationLimitMs: a.durationS * 1000,
        socketsCount: a.sockets,
      },
      t.pid,
    );
    const expected = method === 'INVITE' ? '486' : '404';
    const odd = Object.keys(m.result.statuses).filter((s) => s !== expected);
    if (m.result.lost > 0) o.failed = true;
    // After the pause, by which the server's GC hook has flushed what it saw during the run.
    await sleep(300);
    rows.push({
      scenario: method.toLowerCase(),
      ...m,
      gc: await gcDuring(t.gcFile, m),
      ...(odd.length > 0 && !a.reflector ? { verdict: `expected ${expected}` } : {}),
    });
  }
  o.report['runs'] = rows.map((r) => ({
    scenario: r.scenario,
    cpu: { ...r.cpu, targetUsPerRequest: targetUsPerRequest(r.cpu, r.result) },
    gc: r.gc ?? null,
    ...r.result,
  }));
  return rows;
}

function sweepVerdict(a: Args, s: SweepResult, o: Outcome): void {
  const b = s.best;
  const capped = s.steps.every((st) => st.pass) ? ' (every step passed: raise --sweep-max)' : '';
  out(`max sustainable rate (${a.sweepMethod}, zero loss, p99 < ${TARGET_P99_MS} ms): ${b > 0 ? `${f0(b)}/s` : 'none'}${capped}`);
  if (a.reflector) return;
  const ok = b >= TARGET_RPS;
  if (!ok) o.failed = true;
  o.verdicts.push(
    `${ok ? 'PASS' : 'FAIL'}  sustained ${f0(b)} req/s ${a.sweepMethod} (target ≥ ${f0(TARGET_RPS)} with zero loss and p99 < ${TARGET_P99_MS} ms)`,
  );
}

/**
 * The sweep runs first, on a server that holds no transactions from other runs yet (an OPTIONS
 * transaction lives 32 s after its answer, Timer J; an INVITE one 5 s after its ACK, Timer I).
 * Returns the sweep, if one ran.
 */
export async function loadScenarios(a: Args, t: StreamTarget, o: Outcome): Promise<SweepResult | undefined> {
  const targetName = a.reflector ? 'refl' : 'srv';
  let swept: SweepResult | undefined;
  if (a.scenario === 'all' || a.scenario === 'sweep') {
    swept = await sweep(a, t);
    o.report['sweep'] = sweepReport(a, swept);
    await sleep(1000);
  }
  const rows = await closedLoop(a, t, o);
  rows.push(...(await streamScenarios(a, t, o)));
  if (swept !== undefined) rows.push(...sweepRows(`sweep ${a.sweepMethod.toLowerCase()}`, swept.steps));
  out(loadTable(rows, targetName));
  out('');
  out(`gen% / ${targetName}% / other%: CPU used by the generator, the target and everything else (100 = one core)`);
  out(`${targetName} µs/req: the target's CPU time per answered request (ACK included); 20,000 req/s on one core needs < 50`);
  if (swept !== undefined) sweepVerdict(a, swept, o);
  return swept;
}

/**
 * The sweep's p99 is the pair's, generator included, on a shared VM: how far the same generator
 * gets against a server that does nothing, in the same run, says how much of the figure is the
 * machine's.
 */
export async function calibrate(a: Args, o: Outcome): Promise<void> {
  progress('calibration: the same sweep against bench/reflector.ts…');
  const c = await spawnReflector(a);
  const cal = await sweep(a, { host: c.host, port: c.port, pid: c.workPid });
  await stopAll();
  o.report['calibration'] = {
    maxSustainableRate: cal.best,
    steps: cal.steps.map((s) => ({ rate: s.rate, pass: s.pass, why: s.why, attempt: s.attempt, p99Ms: s.result.latencyMs.p99 })),
  };
  const ceiling = cal.best > 0 ? `${f0(cal.best)}/s` : 'none';
  out(`calibration: the bare reflector (bench/reflector.ts), same generator and sweep, same run: ${ceiling}`);
  for (const st of cal.steps) out(`  reflector ${f0(st.rate)}/s: ${st.pass ? 'PASS' : `FAIL: ${st.why}`}${st.attempt > 1 ? ' (retry)' : ''}`);
  if (cal.best < TARGET_RPS && !cal.steps.every((st) => st.pass)) {
    out(`  → the ${f0(TARGET_RPS)}/s target is above what this machine shows right now for any server behind this generator`);
  }
}
