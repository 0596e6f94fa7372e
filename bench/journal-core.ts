/**
 * Scenario "INVITE with journal on/off" (bench/README.md): what the request journal (src/journal/)
 * costs on the hot path. The in-process core of bench/core.ts — INVITE to `sip:486@…` and the ACK
 * of its 486 — run in interleaved rounds three ways: no journal at all (the core as it was without
 * one), `journal.enabled: false`, and the journal on at its default bounds (so it is full and
 * evicting, its steady state). The socket part of a request costs the same in all three, so the
 * in-process time is the honest denominator: against the server's whole per-request time
 * (bench/load.ts) the share is smaller still. The `gc %` column is the share of each variant's
 * timed rounds spent in garbage collection (perf_hooks 'gc' entries that started inside them):
 * steadier than the times on a shared machine, and what a journal that keeps messages alive costs.
 *
 * Standalone: `npx tsx bench/journal-core.ts [--json]`.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import pino from 'pino';
import { loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { createCore, type SipCore } from '../src/core/sip-core.js';
import { Journal } from '../src/journal/journal.js';
import { makeTagger } from '../src/sip/to-tag.js';
import type { Flow } from '../src/transport/flow.js';
import { ackOf, buildTemplate, requestOf } from './sip-template.js';

export interface JournalBenchRow {
  readonly name: 'no journal' | 'journal off' | 'journal on';
  /** Median over the rounds, µs per INVITE+ACK pair. */
  readonly usPerOp: number;
  /** INVITEs (each with its ACK) per second of one core at that median. */
  readonly invitesPerSecond: number;
  /** Rate lost against "no journal", percent. */
  readonly costPercent: number;
  /** Share of the timed rounds spent collecting garbage, percent. */
  readonly gcPercent: number;
  readonly entries: number;
}

const TAG_KEY = Buffer.alloc(16, 0x5e);
const MARKER = 'jrnl-';
const LOCAL = { host: '127.0.0.1', port: 40000 };
const KINDS = ['no journal', 'journal off', 'journal on'] as const;

/**
 * A full collection before each variant's round, outside its timing: otherwise the one after the
 * journal pays for the old space the journal filled (the 'no journal' row read slower than 'journal
 * off' half the time).
 */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

export async function runJournalBench(opts: { rounds?: number; iterations?: number } = {}): Promise<JournalBenchRow[]> {
  const rounds = opts.rounds ?? 7;
  const iterations = opts.iterations ?? 20_000;
  const base = loadConfig({ overrides: { server: { host: '127.0.0.1', port: 5060 } } });
  const logger = pino({ level: 'warn' });
  const identities = new Set(['127.0.0.1']);
  const flow: Flow = {
    transport: 'udp',
    remote: { address: LOCAL.host, port: LOCAL.port, family: 'IPv4' },
    local: { address: '127.0.0.1', port: 5060, family: 'IPv4' },
    send() {},
    close() {},
  };
  const cores = new Map<(typeof KINDS)[number], { core: SipCore; journal: Journal | undefined }>();
  for (const kind of KINDS) {
    const config: Readonly<Config> = kind === 'journal off' ? { ...base, journal: { ...base.journal, enabled: false } } : base;
    const journal = kind === 'no journal' ? undefined : new Journal(() => config.journal);
    cores.set(kind, { core: createCore({ config: () => config, logger, identities: () => identities, tagKey: TAG_KEY, journal }), journal });
  }
  const tagger = makeTagger(TAG_KEY);
  const invite = buildTemplate('INVITE', 'sip:486@127.0.0.1', MARKER, LOCAL.host, LOCAL.port);
  let next = 0;
  const collect = collector();
  const times = new Map<string, number[]>(KINDS.map((k) => [k, []]));
  const windows = new Map<string, [number, number][]>(KINDS.map((k) => [k, []]));
  const gcs: { start: number; ms: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, ms: e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  for (let r = -1; r < rounds; r++) {
    for (const kind of KINDS) {
      const requests: Buffer[] = [];
      const acks: Buffer[] = [];
      for (let i = 0; i < iterations; i++) {
        const seq = next++;
        requests.push(requestOf(invite, seq));
        const id = `${MARKER}${String(seq).padStart(10, '0')}`;
        const tag = tagger(LOCAL.host, `${id}@${LOCAL.host}`, `"sip4xx bench" <sip:bench@${LOCAL.host}>;tag=${id}`, `z9hG4bK${id}`, '1');
        const to = Buffer.from(`<sip:486@127.0.0.1>;tag=${tag}`, 'latin1');
        acks.push(ackOf(invite, seq, to, 0, to.length));
      }
      const { core } = cores.get(kind)!;
      collect();
      const p0 = performance.now();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) {
        core.handle(requests[i]!, flow);
        core.handle(acks[i]!, flow);
      }
      const ns = Number(process.hrtime.bigint() - t0);
      if (r >= 0) {
        times.get(kind)!.push(ns / iterations / 1000);
        windows.get(kind)!.push([p0, performance.now()]);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  // Entries are delivered after the collection they describe: let the last ones arrive.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  const gcPercent = (kind: string): number => {
    let gc = 0;
    let total = 0;
    for (const [from, to] of windows.get(kind)!) {
      total += to - from;
      for (const g of gcs) if (g.start >= from && g.start < to) gc += g.ms;
    }
    return total > 0 ? (gc / total) * 100 : 0;
  };
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const baseUs = median(times.get('no journal')!);
  const rows = KINDS.map((name) => {
    const us = median(times.get(name)!);
    return { name, usPerOp: us, invitesPerSecond: 1e6 / us, costPercent: (1 - baseUs / us) * 100, gcPercent: gcPercent(name), entries: cores.get(name)!.journal?.size ?? 0 };
  });
  for (const { core } of cores.values()) core.close();
  return rows;
}

export function journalTable(rows: readonly JournalBenchRow[]): string {
  const lines = ['INVITE with journal on/off (in-process core, INVITE → 486 + ACK)', 'variant        µs/op   INVITE/s   cost vs none   gc %  entries'];
  for (const r of rows) {
    lines.push(`${r.name.padEnd(12)} ${r.usPerOp.toFixed(2).padStart(7)} ${r.invitesPerSecond.toFixed(0).padStart(10)} ${`${r.costPercent.toFixed(1)} %`.padStart(13)} ${`${r.gcPercent.toFixed(1)}`.padStart(6)}  ${r.entries}`);
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runJournalBench();
  console.log(process.argv.includes('--json') ? JSON.stringify(rows, null, 2) : journalTable(rows));
  process.exit(0);
}
