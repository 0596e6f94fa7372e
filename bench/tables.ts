/** The tables `npm run bench` prints (bench/README.md, "Reading the output"). */
import type { CoreBenchRow } from './core.js';
import type { GcPauses } from './gc-report.js';
import type { LoadResult } from './load.js';
import { targetUsPerRequest, type Row } from './measure.js';
import { f0, f2, pct } from './output.js';
import type { ParserBenchResult } from './parser.js';
import type { CpuReport } from './cpu.js';

const usPerRequest = (cpu: CpuReport, r: LoadResult): string => {
  const us = targetUsPerRequest(cpu, r);
  return us === undefined ? '-' : us.toFixed(1);
};
const gcCell = (p: GcPauses | undefined): string =>
  p === undefined ? '-' : p.count === 0 ? '0' : `${p.count}/${p.maxMs.toFixed(1)}`;

export function table(headers: string[], rows: string[][], rightAlign: boolean[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (rightAlign[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function loadTable(rows: Row[], targetName: string): string {
  const headers = [
    'scenario',
    'offered/s',
    'achieved/s',
    'sent',
    'answered',
    'lost',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'max ms',
    'gc minor n/max ms',
    'gc major n/max ms',
    'gen%',
    `${targetName}%`,
    'other%',
    `${targetName} µs/req`,
    'statuses',
    'note',
  ];
  const body = rows.map(({ scenario, result: r, cpu, gc, verdict }) => {
    const codes = Object.keys(r.statuses);
    const statuses = Object.entries(r.statuses)
      .map(([k, v]) => (codes.length === 1 ? k : `${k}×${v}`))
      .join(' ');
    const notes: string[] = [];
    if (verdict !== undefined) notes.push(verdict);
    if (r.provisional > 0) notes.push(`1xx=${r.provisional}`);
    if (r.duplicateFinals > 0) notes.push(`dup-finals=${r.duplicateFinals}`);
    if (r.late > 0) notes.push(`late=${r.late}`);
    if (r.stray > 0) notes.push(`stray=${r.stray}`);
    if (r.socketErrors > 0) notes.push(`sock-errors=${r.socketErrors}`);
    if (r.method === 'INVITE' && r.acksSent !== r.answered) notes.push(`acks=${r.acksSent}`);
    if (r.stoppedBy !== 'count') notes.push(`stopped by ${r.stoppedBy}`);
    return [
      scenario,
      r.offeredRate > 0 ? f0(r.offeredRate) : `max (w=${r.window})`,
      f0(r.rps),
      f0(r.sent),
      f0(r.answered),
      f0(r.lost),
      f2(r.latencyMs.p50),
      f2(r.latencyMs.p90),
      f2(r.latencyMs.p99),
      f2(r.latencyMs.max),
      gcCell(gc?.minor),
      gcCell(gc?.major),
      pct(cpu.generatorPct),
      pct(cpu.targetPct),
      pct(cpu.otherPct),
      usPerRequest(cpu, r),
      statuses,
      notes.join(', '),
    ];
  });
  const right = headers.map((_, i) => i > 0 && i < 16);
  return table(headers, body, right);
}

export function parserTable(p: ParserBenchResult): string {
  const rows = p.results.map((r) => [
    r.name,
    String(r.bytes),
    f0(r.iterations),
    f0(r.nsPerOp),
    f0(r.bestNsPerOp),
    f0(r.opsPerSec),
    r.outcome ?? '',
  ]);
  return table(
    ['case', 'bytes', 'iterations', 'ns/op', 'best ns/op', 'ops/s', 'outcome'],
    rows,
    [false, true, true, true, true, true, false],
  );
}

export function coreTable(core: readonly CoreBenchRow[]): string {
  return table(
    ['case', 'iterations/round', 'µs/op (median)', 'best µs/op', 'sent/op'],
    core.map((r) => [r.name, f0(r.iterations), r.usPerOp.toFixed(2), r.bestUsPerOp.toFixed(2), String(r.sentPerOp)]),
    [false, true, true, true, true],
  );
}
