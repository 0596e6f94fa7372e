/**
 * CPU-profiles the process it is loaded into (`node --enable-source-maps --import tsx
 * --import ./bench/prof-hook.ts src/main.ts …`) and, on SIGTERM/SIGINT or exit, writes the profile
 * to `$BENCH_PROF_DIR/server-<pid>.cpuprofile` with every call frame mapped back to the
 * TypeScript source (tsx transpiles, so raw V8 line numbers would point into generated code).
 *
 * A hook rather than `--cpu-prof` because that one only writes on a clean exit, and the server may
 * not exit cleanly on a signal.
 */
import inspector from 'node:inspector';
import { findSourceMap } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Profile } from './cpu-profile.js';


const dir = process.env['BENCH_PROF_DIR'] ?? path.join(process.cwd(), '.bench', 'prof');
const intervalUs = Number(process.env['BENCH_PROF_INTERVAL_US'] ?? '200');

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: intervalUs });
session.post('Profiler.start');

interface Entry {
  generatedLine?: number;
  originalSource?: string;
  originalLine?: number;
  originalColumn?: number;
}

/** The original line (0-based) of a generated line (0-based): its first mapping, if any. */
function mapLine(sm: { findEntry(l: number, c: number): unknown }, line: number): number | undefined {
  for (let col = 0; col <= 160; col += 2) {
    const e = sm.findEntry(line, col) as Entry;
    if (e.generatedLine === line && e.originalLine !== undefined) return e.originalLine;
    if (e.generatedLine !== undefined && e.generatedLine > line) break;
  }
  return undefined;
}

/** Rewrites generated positions to original ones (V8's 0-based lines and columns stay 0-based). */
function mapFrames(profile: Profile): void {
  for (const node of profile.nodes) {
    const cf = node.callFrame;
    if (cf.url === '' || cf.lineNumber < 0) continue;
    let sm;
    try {
      sm = findSourceMap(cf.url);
    } catch {
      sm = undefined;
    }
    if (sm === undefined) continue;
    const entry = sm.findEntry(cf.lineNumber, cf.columnNumber) as Entry;
    if (entry.originalSource === undefined || entry.originalLine === undefined) continue;
    cf.url = entry.originalSource;
    cf.lineNumber = entry.originalLine;
    cf.columnNumber = entry.originalColumn ?? 0;
    if (node.positionTicks !== undefined) {
      const merged = new Map<number, number>();
      for (const pt of node.positionTicks) {
        const orig = mapLine(sm, pt.line - 1);
        const line = orig === undefined ? -1 : orig + 1;
        merged.set(line, (merged.get(line) ?? 0) + pt.ticks);
      }
      node.positionTicks = [...merged].map(([line, ticks]) => ({ line, ticks }));
    }
  }
}

let written = false;
function writeProfile(): void {
  if (written) return;
  written = true;
  // The in-process session answers synchronously, so this also works from an 'exit' listener.
  session.post('Profiler.stop', (err, res) => {
    if (err !== null || res === undefined) return;
    const profile = res.profile as unknown as Profile;
    mapFrames(profile);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `server-${process.pid}.cpuprofile`), JSON.stringify(profile));
  });
}

process.on('exit', writeProfile);
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    writeProfile();
    process.exit(0);
  });
}
