/**
 * CPU accounting for a benchmark run (Linux /proc; elsewhere the figures are absent): how much CPU
 * the generator (this process), the target process and everything else on the machine used. On a
 * 2-core machine a target near 100% is saturated, and a high "other" means the figures are noisy.
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime of a process, ms; undefined when unreadable. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** Busy (non-idle, non-iowait) and steal CPU time of the whole machine, ms. */
function machineCpuMs(): { busy: number; steal: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = v;
    return { busy: (user + nice + system + irq + softirq + steal) * TICK_MS, steal: steal * TICK_MS };
  } catch {
    return undefined;
  }
}

/** Direct children of a process (Linux ≥ 3.5). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const s = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').trim();
      if (s !== '') for (const c of s.split(/\s+/)) out.push(Number(c));
    }
  } catch {
    // not Linux, or gone
  }
  return out;
}

/** A process and all its descendants, parent first (a cluster's workers, Kamailio's children). */
export function treePids(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length && out.length < 256; i++) out.push(...childPids(out[i] as number));
  return out;
}

/** CPU ms of each process of a tree, read once; a process that is gone is left out. */
function treeCpuMs(pids: readonly number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const p of pids) {
    const ms = processCpuMs(p);
    if (ms !== undefined) m.set(p, ms);
  }
  return m;
}

export interface CpuReport {
  /** Wall-clock length of the measurement, ms. */
  readonly wallMs: number;
  /** Percent of one core over the run. */
  readonly generatorPct: number;
  /** Undefined when the target is not a process we know. Its descendants (workers) are included. */
  readonly targetPct: number | undefined;
  /** The same per process of the target's tree, parent first (one entry for a single process). */
  readonly targetPctByProcess: readonly number[];
  /** Everything else on the machine, steal included; undefined off Linux. */
  readonly otherPct: number | undefined;
  readonly stealPct: number | undefined;
}

export class CpuMeter {
  private readonly t0 = performance.now();
  private readonly gen0 = process.cpuUsage();
  /** The target's process tree as it was at the start, with each process's CPU then. */
  private readonly target0: Map<number, number> | undefined;
  private readonly machine0 = machineCpuMs();

  constructor(targetPid: number | undefined) {
    this.target0 = targetPid === undefined ? undefined : treeCpuMs(treePids(targetPid));
  }

  stop(): CpuReport {
    const wall = Math.max(1, performance.now() - this.t0);
    const g = process.cpuUsage(this.gen0);
    const genMs = (g.user + g.system) / 1000;
    const t1 = this.target0 === undefined ? undefined : treeCpuMs([...this.target0.keys()]);
    const byProcess: number[] = [];
    for (const [p, ms] of t1 ?? []) byProcess.push(ms - (this.target0?.get(p) ?? ms));
    const targetMs = t1 === undefined || t1.size === 0 ? undefined : byProcess.reduce((x, y) => x + y, 0);
    const m1 = machineCpuMs();
    let otherPct: number | undefined;
    let stealPct: number | undefined;
    if (m1 !== undefined && this.machine0 !== undefined) {
      const busy = m1.busy - this.machine0.busy;
      otherPct = Math.max(0, (100 * (busy - genMs - (targetMs ?? 0))) / wall);
      stealPct = (100 * (m1.steal - this.machine0.steal)) / wall;
    }
    return {
      wallMs: wall,
      generatorPct: (100 * genMs) / wall,
      targetPct: targetMs === undefined ? undefined : (100 * targetMs) / wall,
      targetPctByProcess: byProcess.map((ms) => (100 * ms) / wall),
      otherPct,
      stealPct,
    };
  }
}
