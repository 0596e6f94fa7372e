/**
 * The in-process part of `npm run bench` (bench/README.md, "Reading the output"): the hot path
 * without sockets (bench/core.ts, run from the tsc build in a child process as the server runs)
 * and the parser micro-benchmark (bench/parser.ts, in this process).
 */
import path from 'node:path';
import { runCommand } from './build.js';
import { buildOnce } from './children.js';
import type { CoreBenchRow } from './core.js';
import { journalTable, type JournalBenchRow } from './journal-core.js';
import type { Outcome } from './outcome.js';
import { f0, out, progress } from './output.js';
import { runParserBench } from './parser.js';
import { coreTable, parserTable } from './tables.js';
import { TARGET_PARSE_NS } from './targets.js';

/** bench/<file>.js from the build: the code the server runs (tsx's transform adds to every closure). */
async function runBuiltChild<T>(file = 'core.js'): Promise<T[] | { error: string }> {
  try {
    const build = await buildOnce();
    const r = await runCommand('timeout', ['-k', '5', '120', process.execPath, path.join(build, 'bench', file), '--json'], 130_000);
    if (r.code !== 0) return { error: `exit ${r.code}: ${r.output.slice(-500)}` };
    const start = r.output.indexOf('[');
    return JSON.parse(r.output.slice(start)) as T[];
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

async function coreSection(o: Outcome): Promise<void> {
  progress('in-process core benchmark (compiled build)…');
  const core = await runBuiltChild<CoreBenchRow>();
  o.report['core'] = core;
  out('\nhot path in one process (bench/core.ts: parse → transactions → rules → serialize, no sockets)');
  if (Array.isArray(core)) out(coreTable(core));
  else out(`note: the core benchmark did not run: ${core.error}`);
}

async function parserSection(parserOnly: boolean, o: Outcome): Promise<void> {
  progress('parser micro-benchmark…');
  const p = await runParserBench();
  o.report['parser'] = p;
  out('\nparser micro-benchmark');
  if (p.results.length > 0) out(parserTable(p));
  for (const n of p.notes) out(`note: ${n}`);
  if (!p.available) {
    out('the parser benchmark did not run: src/sip/parse.ts with an exported parseMessage is needed');
    if (parserOnly) o.failed = true;
    return;
  }
  const inv = p.results.find((r) => r.name.startsWith('parse INVITE'));
  if (inv === undefined) return;
  const ok = inv.nsPerOp <= TARGET_PARSE_NS && inv.outcome === 'request';
  if (!ok) o.failed = true;
  o.verdicts.push(`${ok ? 'PASS' : 'FAIL'}  parse plain INVITE ${f0(inv.nsPerOp)} ns (target ≤ ${f0(TARGET_PARSE_NS)} ns)`);
}

/** "INVITE with journal on/off" (bench/journal-core.ts): the journal's cost on the hot path. */
async function journalSection(o: Outcome): Promise<void> {
  progress('INVITE with journal on/off (compiled build)…');
  const rows = await runBuiltChild<JournalBenchRow>('journal-core.js');
  o.report['journal'] = rows;
  out('');
  if (Array.isArray(rows)) out(journalTable(rows));
  else out(`note: the journal benchmark did not run: ${rows.error}`);
}

export async function microScenarios(parserOnly: boolean, o: Outcome): Promise<void> {
  await coreSection(o);
  await journalSection(o);
  await parserSection(parserOnly, o);
}
