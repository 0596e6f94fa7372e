/** One load run with the CPU it cost (bench/cpu.ts) and the wall-clock window its GC figures cover. */
import { CpuMeter, type CpuReport } from './cpu.js';
import type { GcReport } from './gc-report.js';
import { runLoad, type LoadMethod, type LoadOptions, type LoadResult } from './load.js';

export interface Measured {
  readonly result: LoadResult;
  readonly cpu: CpuReport;
  /** Wall clock (epoch ms) around the run, to pick the target's GC pauses that fell inside it. */
  readonly startMs: number;
  readonly endMs: number;
  /** The target's collections during the run; absent when the bench did not start the target. */
  readonly gc?: GcReport;
}

/** A row of the load table. */
export interface Row extends Measured {
  readonly scenario: string;
  readonly verdict?: string;
}

export async function measured(opts: LoadOptions, targetPid: number | undefined): Promise<Measured> {
  const meter = new CpuMeter(targetPid);
  const startMs = Date.now();
  const result = await runLoad(opts);
  const endMs = Date.now();
  return { result, cpu: meter.stop(), startMs, endMs };
}

function uriFor(host: string, user: string): string {
  return `sip:${user}@${host.includes(':') ? `[${host}]` : host}`;
}

/** INVITE to 486 (Busy Here, ACKed); OPTIONS to a user no rule matches: the default 404. */
export function scenarioUri(method: LoadMethod, host: string): string {
  return method === 'INVITE' ? uriFor(host, '486') : uriFor(host, 'nobody');
}

/**
 * CPU time the target spent per answered request, µs — far less sensitive to a busy machine than
 * the rates are: one core at 20,000 req/s leaves 50 µs per request (an INVITE's ACK included).
 */
export function targetUsPerRequest(cpu: CpuReport, r: LoadResult): number | undefined {
  if (cpu.targetPct === undefined || r.answered === 0 || r.durationMs <= 0) return undefined;
  // targetPct is measured over the whole run (wall clock incl. the timeout tail); so is this rate.
  return (cpu.targetPct / 100) * 1e6 / (r.answered / (cpu.wallMs / 1000));
}
