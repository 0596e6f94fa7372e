/**
 * Scenario "INVITE with journal on/off" (bench/README.md): what the request journal (src/journal/)
 * costs on the hot path. The in-process core of bench/core.ts — INVITE to `sip:486@…` and the ACK
 * of its 486 — run in interleaved rounds three ways: no journal at all (the core as it was without
 * one), `journal.enabled: false`, and the journal on at its default bounds (so it is full and
 * evicting, its steady state). The socket part of a request costs the same in all three, so the
 * in-process time is the honest denominator: against the server's whole per-request time
 * (bench/load.ts) the share is smaller still.
 *
 * Standalone: `npx tsx bench/journal-core.ts [--json]`.
 */
import { pathToFileURL } from 'node:url';
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
  readonly entries: number;
}

const TAG_SALT = 0x5eed;
const MARKER = 'jrnl-';
const LOCAL = { host: '127.0.0.1', port: 40000 };
const KINDS = ['no journal', 'journal off', 'journal on'] as const;

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
    cores.set(kind, { core: createCore({ config: () => config, logger, identities: () => identities, tagSalt: TAG_SALT, journal }), journal });
  }
  const tagger = makeTagger(TAG_SALT);
  const invite = buildTemplate('INVITE', 'sip:486@127.0.0.1', MARKER, LOCAL.host, LOCAL.port);
  let next = 0;
  const times = new Map<string, number[]>(KINDS.map((k) => [k, []]));
  for (let r = -1; r < rounds; r++) {
    for (const kind of KINDS) {
      const requests: Buffer[] = [];
      const acks: Buffer[] = [];
      for (let i = 0; i < iterations; i++) {
        const seq = next++;
        requests.push(requestOf(invite, seq));
        const id = `${MARKER}${String(seq).padStart(10, '0')}`;
        const tag = tagger(`${id}@${LOCAL.host}`, `"sip4xx bench" <sip:bench@${LOCAL.host}>;tag=${id}`, `z9hG4bK${id}`, '1');
        const to = Buffer.from(`<sip:486@127.0.0.1>;tag=${tag}`, 'latin1');
        acks.push(ackOf(invite, seq, to, 0, to.length));
      }
      const { core } = cores.get(kind)!;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) {
        core.handle(requests[i]!, flow);
        core.handle(acks[i]!, flow);
      }
      const ns = Number(process.hrtime.bigint() - t0);
      if (r >= 0) times.get(kind)!.push(ns / iterations / 1000);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const baseUs = median(times.get('no journal')!);
  const rows = KINDS.map((name) => {
    const us = median(times.get(name)!);
    return { name, usPerOp: us, invitesPerSecond: 1e6 / us, costPercent: (1 - baseUs / us) * 100, entries: cores.get(name)!.journal?.size ?? 0 };
  });
  for (const { core } of cores.values()) core.close();
  return rows;
}

export function journalTable(rows: readonly JournalBenchRow[]): string {
  const lines = ['INVITE with journal on/off (in-process core, INVITE → 486 + ACK)', 'variant        µs/op   INVITE/s   cost vs none  entries'];
  for (const r of rows) {
    lines.push(`${r.name.padEnd(12)} ${r.usPerOp.toFixed(2).padStart(7)} ${r.invitesPerSecond.toFixed(0).padStart(10)} ${`${r.costPercent.toFixed(1)} %`.padStart(13)}  ${r.entries}`);
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runJournalBench();
  console.log(process.argv.includes('--json') ? JSON.stringify(rows, null, 2) : journalTable(rows));
  process.exit(0);
}
