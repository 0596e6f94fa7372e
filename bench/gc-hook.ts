/**
 * Logs the garbage collections of the process it is loaded into (`node --import ./gc-hook.js
 * src/main.js …`, as bench/run.ts starts the server) to `$BENCH_GC_FILE`, one line per
 * collection: `<start, epoch ms> <minor|major|incremental|weakcb> <duration ms>`. The bench reads it
 * after each load row and puts the pauses that fell inside the row next to its latency.
 *
 * It runs inside the process being measured, so it does little: one short string per collection,
 * appended to the file at most every 200 ms rather than written per collection.
 */
import { appendFileSync } from 'node:fs';
import { PerformanceObserver, constants, performance, type PerformanceEntry } from 'node:perf_hooks';

const file = process.env['BENCH_GC_FILE'];

if (file !== undefined && file !== '') {
  const { NODE_PERFORMANCE_GC_MINOR, NODE_PERFORMANCE_GC_MAJOR, NODE_PERFORMANCE_GC_INCREMENTAL, NODE_PERFORMANCE_GC_WEAKCB } =
    constants;
  // startTime is relative to timeOrigin; epoch ms is what the bench's Date.now() windows compare with.
  const origin = performance.timeOrigin;
  let pending = '';

  const kindName = (kind: number | undefined): string => {
    if (kind === NODE_PERFORMANCE_GC_MINOR) return 'minor';
    if (kind === NODE_PERFORMANCE_GC_MAJOR) return 'major';
    if (kind === NODE_PERFORMANCE_GC_INCREMENTAL) return 'incremental';
    if (kind === NODE_PERFORMANCE_GC_WEAKCB) return 'weakcb';
    return `kind${kind ?? '?'}`;
  };

  const flush = (): void => {
    if (pending === '') return;
    const text = pending;
    pending = '';
    try {
      appendFileSync(file, text);
    } catch {
      // A lost batch costs the bench a figure; it must never cost the server its life.
    }
  };

  const take = (entries: readonly PerformanceEntry[]): void => {
    for (const e of entries) {
      // @types/node does not declare `detail` on PerformanceEntry; for 'gc' entries it is { kind, flags }.
      const detail = (e as { detail?: { kind?: number } }).detail;
      pending += `${(origin + e.startTime).toFixed(3)} ${kindName(detail?.kind)} ${e.duration.toFixed(3)}\n`;
    }
  };
  const observer = new PerformanceObserver((list) => take(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });

  // unref'd: the hook must not keep a server alive that would otherwise exit.
  setInterval(flush, 200).unref();
  // Only 'exit', no signal listener: a listener of ours would replace the default action of a
  // signal the server does not handle (it handles SIGTERM itself and exits, which runs this).
  process.on('exit', () => {
    // Entries are delivered to the callback on a later tick; on the way out, take what is queued.
    take(observer.takeRecords());
    flush();
  });
}
