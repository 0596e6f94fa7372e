/**
 * What bench/fuzz.ts reads of the server's memory: its RSS from /proc (the process itself, not the
 * `timeout` above it), the highest RSS while a phase runs, and the /metrics gauges that say
 * whether its tables drained and what its heap holds.
 */
import { readFileSync } from 'node:fs';

/** The RSS of `pid` in MiB (NaN when unknown). */
export function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}

/** The highest RSS seen while it runs, sampled every second. */
export function peakSampler(pid: number | undefined): { stop(): number } {
  let peak = rssMiB(pid);
  const timer = setInterval(() => void (peak = Math.max(peak, rssMiB(pid))), 1000);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMiB(pid));
    },
  };
}

/** The /metrics series that say whether the tables drained and what the heap holds. */
export async function tableMetrics(adminPort: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  try {
    const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
    for (const line of text.split('\n')) {
      const m = /^(sip4xx_(?:transactions|dialogs|tcp_connections|table_bytes\{[^}]*\}|journal_[a-z_]+|nodejs_heap_size_used_bytes|nodejs_external_memory_bytes)) ([0-9.e+]+)$/.exec(line);
      if (m?.[1] !== undefined) out[m[1]] = Number(m[2]);
    }
  } catch (err) {
    out['error'] = 1;
    process.stderr.write(`fuzz: /metrics: ${String(err)}\n`);
  }
  return out;
}
