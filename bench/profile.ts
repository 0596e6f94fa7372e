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

type Agg = Map<string, { fn: string; where: string; us: number }>;

function bump(m: Agg, fn: string, where: string, us: number): void {
  const key = `${fn}@${where}`;
  const e = m.get(key) ?? { fn, where, us: 0 };
  e.us += us;
  m.set(key, e);
}

/** Self time per node from samples (µs), falling back to hitCount × mean interval. */
function selfTimes(profile: Profile): Map<number, number> {
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
  return selfUs;
}

/** Splits a node's self time over its line ticks, project files only. */
function addLines(lineAgg: Agg, node: ProfileNode, fn: string, file: string, us: number): void {
  const pts = node.positionTicks ?? [];
  const totalTicks = pts.reduce((n, p) => n + p.ticks, 0);
  if (totalTicks === 0 || file.startsWith('/') || file.startsWith('node:') || file.startsWith('(')) return;
  for (const p of pts) bump(lineAgg, fn, p.line > 0 ? `${file}:${p.line}` : `${file}:?`, (us * p.ticks) / totalTicks);
}

interface Tree {
  readonly byId: Map<number, ProfileNode>;
  readonly parent: Map<number, number>;
}

/** Charges a sample to every distinct project function on its stack. */
function addInclusive(inclAgg: Agg, tree: Tree, id: number, root: string, us: number): void {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = tree.parent.get(cur)) {
    const pcf = tree.byId.get(cur)?.callFrame;
    if (pcf === undefined) break;
    const w = location(pcf, root);
    if (w.startsWith('/') || w.startsWith('node:') || w.startsWith('(') || w.includes('node_modules')) continue;
    const pfn = shortName(pcf.functionName);
    if (seen.has(`${pfn}@${w}`)) continue;
    seen.add(`${pfn}@${w}`);
    bump(inclAgg, pfn, w, us);
  }
}

export function summarizeProfile(file: string, root: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const tree: Tree = { byId: new Map(), parent: new Map() };
  for (const n of profile.nodes) tree.byId.set(n.id, n);
  for (const n of profile.nodes) for (const c of n.children ?? []) tree.parent.set(c, n.id);

  let idleUs = 0;
  let gcUs = 0;
  let busyUs = 0;
  const selfAgg: Agg = new Map();
  const fileAgg = new Map<string, number>();
  const inclAgg: Agg = new Map();
  const lineAgg: Agg = new Map();
  for (const [id, us] of selfTimes(profile)) {
    const node = tree.byId.get(id);
    if (node === undefined || us === 0) continue;
    const cf = node.callFrame;
    if (cf.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    busyUs += us;
    if (cf.functionName === '(garbage collector)') gcUs += us;
    const fn = shortName(cf.functionName);
    const file = fileOf(cf, root);
    bump(selfAgg, fn, location(cf, root), us);
    addLines(lineAgg, node, fn, file, us);
    const f = IDLE.has(cf.functionName) ? cf.functionName : file;
    fileAgg.set(f, (fileAgg.get(f) ?? 0) + us);
    addInclusive(inclAgg, tree, id, root, us);
  }
  const pct = (us: number): number => (busyUs > 0 ? (100 * us) / busyUs : 0);
  const spots = (m: Agg): HotSpot[] =>
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
