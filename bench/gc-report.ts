/**
 * The target's garbage collections during a load row, read from the file bench/gc-hook.ts writes
 * inside the server (bench/README.md, "Reading the output": the gc columns).
 */
import { readFileSync } from 'node:fs';
import { sleep } from './output.js';

export interface GcPauses {
  count: number;
  maxMs: number;
  totalMs: number;
}

/** Young-generation (scavenge) and full mark-compact collections, from bench/gc-hook.ts. */
export interface GcReport {
  readonly minor: GcPauses;
  readonly major: GcPauses;
}

/** The hook appends every 200 ms (and its observer hears of a collection a tick later). */
const GC_SETTLE_MS = 400;

/**
 * The server's collections that started within [startMs, endMs], read from the file its
 * bench/gc-hook.ts writes (`<epoch ms> <kind> <duration ms>` per line). Waits, if need be, until
 * the hook has flushed what it saw up to endMs; undefined when there is no file to read.
 */
export async function gcDuring(gcFile: string | undefined, w: { startMs: number; endMs: number }): Promise<GcReport | undefined> {
  if (gcFile === undefined) return undefined;
  const wait = w.endMs + GC_SETTLE_MS - Date.now();
  if (wait > 0) await sleep(wait);
  let text: string;
  try {
    text = readFileSync(gcFile, 'latin1');
  } catch {
    return undefined;
  }
  const minor: GcPauses = { count: 0, maxMs: 0, totalMs: 0 };
  const major: GcPauses = { count: 0, maxMs: 0, totalMs: 0 };
  for (const line of text.split('\n')) {
    const [t, kind, d] = line.split(' ');
    const at = Number(t);
    if (!(at >= w.startMs && at <= w.endMs)) continue;
    const into = kind === 'minor' ? minor : kind === 'major' ? major : undefined;
    if (into === undefined) continue;
    const ms = Number(d);
    into.count++;
    into.totalMs += ms;
    if (ms > into.maxMs) into.maxMs = ms;
  }
  return { minor, major };
}
