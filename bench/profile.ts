/**
 * Summarizes a V8 `.cpuprofile`: the functions with the most self time (file:line), self time per
 * file, and the inclusive time of project functions.
 *
 * `tsx bench/profile.ts <file.cpuprofile> [top]` prints the summary.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CallFrame, Profile, ProfileNode } from './cpu-profile.js';


export interface HotSpot {
  readonly fn: string;
  /** `file:line` relative to the project root when inside it; line is 1-based. */
  readonly where: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  /** Sampled time in ms, idle excluded. */
  readonly busyMs: number;
  readonly idleMs: number;
  readonly gcMs: number;
  readonly selfTop: readonly HotSpot[];
  /** Self time by source line (from V8's per-line ticks), project files only. */
  readonly lines: readonly HotSpot[];
  readonly inclusiveProject: readonly HotSpot[];
  readonly byFile: readonly { file: string; ms: number; percent: number }[];
}

function location(cf: CallFrame, root: string): string {
  let file = cf.url;
  if (file.startsWith('file://')) {
    try {
      file = fileURLToPath(file);
    } catch {
      // keep the URL
    }
  }
  if (file.startsWith(root)) file = path.relative(root, file);
  if (file === '') file = '(native)';
  return cf.lineNumber >= 0 ? `${file}:${cf.lineNumber + 1}` : file;
}

function fileOf(cf: CallFrame, root: string): string {
  const loc = location(cf, root);
  const i = loc.lastIndexOf(':');
  return i > 0 && /^\d+$/.test(loc.slice(i + 1)) ? loc.slice(0, i) : loc;
}

const IDLE = new Set(['(idle)', '(program)']);

/** Function names as printed: anonymous ones named, and compiled RegExp sources cut short. */
function shortName(name: string): string {
  if (name === '') return '(anonymous)';
  return name.length > 60 ? `${name.slice(0, 57)}...` : name;
}

export function summarizeProfile(file: string, root: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Self time per node from samples (µs), falling back to hitCount × mean interval.
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length > 0) {
    for (let i = 0; i < samples.length; i++) {
      // timeDeltas[i] is the time before sample i; attribute the gap after it to it.
      const dt = deltas[i + 1] ?? deltas[i] ?? 0;
      const id = samples[i] as number;
      selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
    }
  } else {
    const total = profile.endTime - profile.startTime;
    const hits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
    for (const n of profile.nodes) selfUs.set(n.id, ((n.hitCount ?? 0) * total) / Math.max(1, hits));
  }

  let idleUs = 0;
  let gcUs = 0;
  let busyUs = 0;
  const selfAgg = new Map<string, { fn: string; where: string; us: number }>();
  const fileAgg = new Map<string, number>();
  const inclAgg = new Map<string, { fn: string; where: string; us: number }>();
  const lineAgg = new Map<string, { fn: string; where: string; us: number }>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined || us === 0) continue;
    const cf = node.callFrame;
    if (cf.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    if (cf.functionName === '(garbage collector)') gcUs += us;
    const fn = shortName(cf.functionName);
    const where = location(cf, root);
    const key = `${fn}@${where}`;
    const e = selfAgg.get(key) ?? { fn, where, us: 0 };
    e.us += us;
    selfAgg.set(key, e);
    // Per-line: split this node's self time over its line ticks.
    const pts = node.positionTicks ?? [];
    const totalTicks = pts.reduce((n, p) => n + p.ticks, 0);
    const file = fileOf(cf, root);
    if (totalTicks > 0 && !file.startsWith('/') && !file.startsWith('node:') && !file.startsWith('(')) {
      for (const p of pts) {
        const lw = p.line > 0 ? `${file}:${p.line}` : `${file}:?`;
        const lk = `${fn}@${lw}`;
        const le = lineAgg.get(lk) ?? { fn, where: lw, us: 0 };
        le.us += (us * p.ticks) / totalTicks;
        lineAgg.set(lk, le);
      }
    }
    const f = IDLE.has(cf.functionName) ? cf.functionName : file;
    fileAgg.set(f, (fileAgg.get(f) ?? 0) + us);

    // Inclusive: charge this sample to every distinct project function on the stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const pcf = byId.get(cur)?.callFrame;
      if (pcf === undefined) break;
      const w = location(pcf, root);
      if (w.startsWith('/') || w.startsWith('node:') || w.startsWith('(') || w.includes('node_modules')) continue;
      const pfn = shortName(pcf.functionName);
      const k = `${pfn}@${w}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const ie = inclAgg.get(k) ?? { fn: pfn, where: w, us: 0 };
      ie.us += us;
      inclAgg.set(k, ie);
    }
  }
  const pct = (us: number): number => (busyUs > 0 ? (100 * us) / busyUs : 0);
  const spots = (m: Map<string, { fn: string; where: string; us: number }>): HotSpot[] =>
    [...m.values()]
      .sort((x, y) => y.us - x.us)
      .slice(0, 60)
      .map((e) => ({ fn: e.fn, where: e.where, ms: e.us / 1000, percent: pct(e.us) }));
  return {
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    gcMs: gcUs / 1000,
    selfTop: spots(selfAgg),
    lines: spots(lineAgg),
    inclusiveProject: spots(inclAgg),
    byFile: [...fileAgg.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 30)
      .map(([file, us]) => ({ file, ms: us / 1000, percent: pct(us) })),
  };
}

export function formatProfile(s: ProfileSummary, top = 25): string {
  const lines: string[] = [];
  lines.push(`busy ${s.busyMs.toFixed(0)} ms (GC ${s.gcMs.toFixed(0)} ms), idle ${s.idleMs.toFixed(0)} ms`);
  lines.push('\nself time, top functions:');
  for (const h of s.selfTop.slice(0, top)) {
    lines.push(`${h.percent.toFixed(1).padStart(6)}%  ${h.ms.toFixed(0).padStart(7)} ms  ${h.fn}  ${h.where}`);
  }
  if (s.lines.length > 0) {
    lines.push('\nself time, top source lines (project files):');
    for (const h of s.lines.slice(0, top)) {
      lines.push(`${h.percent.toFixed(1).padStart(6)}%  ${h.ms.toFixed(0).padStart(7)} ms  ${h.where}  (${h.fn})`);
    }
  }
  lines.push('\nself time by file:');
  for (const f of s.byFile.slice(0, 15)) {
    lines.push(`${f.percent.toFixed(1).padStart(6)}%  ${f.ms.toFixed(0).padStart(7)} ms  ${f.file}`);
  }
  lines.push('\ninclusive time, project functions:');
  for (const h of s.inclusiveProject.slice(0, top)) {
    lines.push(`${h.percent.toFixed(1).padStart(6)}%  ${h.ms.toFixed(0).padStart(7)} ms  ${h.fn}  ${h.where}`);
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error('usage: tsx bench/profile.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  const root = fileURLToPath(new URL('..', import.meta.url));
  const top = Number(process.argv[3] ?? '25');
  console.log(formatProfile(summarizeProfile(file, root), Number.isInteger(top) && top > 0 ? top : 25));
}
