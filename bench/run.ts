/**
 * `npm run bench` — loopback load benchmark of sip4xx (bench/README.md).
 *
 * By default the server is built with tsc and started as a child process (bench/children.ts) so
 * the generator and the server each have their own event loop (and core); `--target host:port`
 * uses a server already running; `--reflector` targets bench/reflector.ts instead, to show the
 * generator's own ceiling.
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCli, type Args } from './args.js';
import { ROOT } from './build.js';
import { cleanUp, running, spawnReflector, spawnServer, stopAll } from './children.js';
import { CpuMeter } from './cpu.js';
import { calibrate, loadScenarios, warmup } from './load-scenarios.js';
import { microScenarios } from './micro-scenarios.js';
import { workersPart } from './workers.js';
import { baselinePart } from './baseline.js';
import { waitForSip } from './net-probe.js';
import type { Outcome } from './outcome.js';
import { isJsonMode, out, progress, setJsonMode, sleep } from './output.js';
import { formatProfile, summarizeProfile } from './profile.js';
import type { StreamTarget } from './stream-scenarios.js';
import { TARGET_P99_MS, TARGET_PARSE_NS, TARGET_RPS } from './targets.js';

/**
 * The whole benchmark is bounded, whatever its options: 10 minutes, and for the baseline scenario
 * (two builds, up to 9 rounds of a sweep and a closed loop each) 3 minutes per round on top.
 */
const HARD_LIMIT_MS = 600_000;
const BASELINE_ROUND_MS = 180_000;

/** How busy the machine is before we start (others' work makes every figure noisy); waits up to --wait-quiet. */
async function quietBaseline(a: Args): Promise<{ pct: number | undefined; note: string }> {
  const quietUntil = Date.now() + a.waitQuietS * 1000;
  let pct: number | undefined;
  for (;;) {
    const idle = new CpuMeter(undefined);
    await sleep(1000);
    pct = idle.stop().otherPct;
    if (pct === undefined || pct < 25 || Date.now() >= quietUntil) break;
    progress(`waiting for a quiet machine: other processes use ${Math.round(pct)}% of a core…`);
  }
  const note =
    pct === undefined
      ? ''
      : `, other processes ${Math.round(pct)}% of a core before start${pct > 25 ? ' — BUSY MACHINE, expect noisy figures' : ''}`;
  return { pct, note };
}

/** The target of the load runs: a server given by --target, the reflector, or a server we start. */
async function startTarget(a: Args, profileDir: string | undefined): Promise<StreamTarget & { mode: string }> {
  if (a.target !== undefined) {
    const { host, port } = a.target;
    await waitForSip(host, port, 5000, () => true);
    return { host, port, pid: a.targetPid, tlsPort: a.tlsPort, wssPort: a.wssPort, mode: `server at ${host}:${port}` };
  }
  if (a.reflector) {
    const c = await spawnReflector(a);
    return { host: c.host, port: c.port, pid: c.workPid, mode: `reflector (bench/reflector.ts, child process) at ${c.host}:${c.port}` };
  }
  const c = await spawnServer(a, profileDir);
  return { host: c.host, port: c.port, pid: c.workPid, gcFile: c.gcFile, tlsPort: c.tlsPort, wssPort: c.wssPort, mode: `sip4xx (src/main.ts, child process) at ${c.host}:${c.port}` };
}

function newestProfile(dir: string): string | undefined {
  let best: { p: string; t: number } | undefined;
  try {
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.cpuprofile')) continue;
      const p = path.join(dir, f);
      const t = statSync(p).mtimeMs;
      if (best === undefined || t > best.t) best = { p, t };
    }
  } catch {
    return undefined;
  }
  return best?.p;
}

/** The profiler hook writes when the server stops; summarize what it wrote. */
async function printProfile(profileDir: string, o: Outcome): Promise<void> {
  await sleep(300);
  const prof = newestProfile(profileDir);
  if (prof === undefined) {
    out(`no .cpuprofile was written to ${profileDir}`);
    return;
  }
  const summary = summarizeProfile(prof, ROOT);
  o.report['profile'] = { file: prof, ...summary };
  out(`\nserver CPU profile: ${path.relative(ROOT, prof)}`);
  out(formatProfile(summary, 25));
}

async function loadPart(a: Args, baselineNote: string, o: Outcome): Promise<void> {
  let profileDir: string | undefined;
  if (a.profile && a.target === undefined && !a.reflector) {
    profileDir = path.join(ROOT, '.bench', `prof-${Date.now()}`);
    mkdirSync(profileDir, { recursive: true });
  }
  const t = await startTarget(a, profileDir);
  o.report['mode'] = t.mode;
  out(`sip4xx bench — ${t.mode}`);
  out(
    `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, ` +
      `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}${baselineNote}\n`,
  );
  if (a.warmup) await warmup(a, t);
  const swept = await loadScenarios(a, t, o);
  if (running() === 0) return;
  await stopAll();
  if (swept !== undefined && a.calibrate && !a.reflector && a.target === undefined) await calibrate(a, o);
  if (profileDir !== undefined) await printProfile(profileDir, o);
}

async function main(): Promise<number> {
  const a = parseCli(process.argv.slice(2));
  if (a === undefined) return 0;
  setJsonMode(a.json);
  const o: Outcome = {
    report: {
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, platform: process.platform, loadavg: os.loadavg() },
      scenario: a.scenario,
      targets: { rps: TARGET_RPS, p99Ms: TARGET_P99_MS, parseNsPerInvite: TARGET_PARSE_NS },
    },
    verdicts: [],
    failed: false,
  };
  const baseline = await quietBaseline(a);
  o.report['baselineOtherCpuPct'] = baseline.pct;
  if (a.scenario === 'baseline') armHardStop(HARD_LIMIT_MS + a.rounds * BASELINE_ROUND_MS);
  if (a.scenario === 'workers') await workersPart(a, o);
  else if (a.scenario === 'baseline') await baselinePart(a, o);
  else if (a.scenario !== 'parser') await loadPart(a, baseline.note, o);
  if (a.scenario === 'parser' || (a.scenario === 'all' && !a.reflector)) await microScenarios(a.scenario === 'parser', o);
  if (o.verdicts.length > 0) {
    out('');
    for (const v of o.verdicts) out(v);
  }
  o.report['verdicts'] = o.verdicts;
  if (isJsonMode()) process.stdout.write(`${JSON.stringify(o.report, null, 2)}\n`);
  return o.failed ? 1 : 0;
}

let hardStop: NodeJS.Timeout | undefined;

/** (Re)starts the bound on the whole run: `ms` from now. */
function armHardStop(ms: number): void {
  clearTimeout(hardStop);
  hardStop = setTimeout(() => {
    progress('bench: hard time limit reached, stopping');
    void cleanUp().then(() => process.exit(2));
  }, ms);
  hardStop.unref();
}

armHardStop(HARD_LIMIT_MS);

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    void cleanUp().then(() => process.exit(130));
  });
}

main()
  .then(async (code) => {
    await cleanUp();
    process.exitCode = code;
  })
  .catch(async (err: unknown) => {
    await cleanUp();
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
