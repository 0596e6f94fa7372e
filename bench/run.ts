/**
 * `npm run bench` — loopback load benchmark of sip4xx (see bench/README.md).
 *
 * By default the server is started as a child process (`node --import tsx src/main.ts …`) so the
 * generator and the server each have their own event loop (and core); `--target host:port` uses a
 * server already running; `--reflector` targets bench/reflector.ts instead, to show the generator's
 * own ceiling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isLoopback, runLoad, type LoadMethod, type LoadOptions, type LoadResult } from './load.js';
import { runParserBench, type ParserBenchResult } from './parser.js';
import type { CoreBenchRow } from './core.js';
import { summarizeProfile, formatProfile } from './profile.js';
import { CpuMeter, childPids, type CpuReport } from './cpu.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const TARGET_RPS = 20_000;
const TARGET_P99_MS = 5;
const TARGET_PARSE_NS = 3_000;

const HELP = `npm run bench -- [options]

  --scenario S       invite | options | sweep | parser | all   (default all; "all" skips parser with --reflector)
  --target H:P       benchmark a server already listening on loopback H:P (UDP)
  --target-pid PID   with --target: the server's pid, for its CPU figure
  --reflector        benchmark bench/reflector.ts instead: the generator's own ceiling
  --count N          requests per invite/options run              (default 60000)
  --rate R           offered req/s for invite/options, 0 = window-limited (default 0)
  --window W         max outstanding requests                     (default 32)
  --duration S       time limit per invite/options run, seconds   (default 6)
  --timeout MS       no final response after MS = lost            (default 1000)
  --sockets N        UDP source sockets                           (default 1)
  --sweep-method M   invite | options                             (default invite)
  --sweep-start R    first offered rate                           (default 5000)
  --sweep-step R     rate increment                               (default 5000)
  --sweep-max R      highest rate tried                           (default 50000)
  --sweep-seconds S  seconds per sweep step                       (default 4)
  --sweep-window W   max outstanding in the sweep                 (default 1000)
  --no-warmup        skip the unreported warm-up run
  --wait-quiet S     first wait up to S seconds for other processes to use < 25% of a core (default 0)
  --profile          CPU-profile the spawned server (bench/prof-hook.ts) and print its hot spots
  --no-calibrate     skip the same sweep against bench/reflector.ts after the server's (the ceiling)
  --server-arg A     extra argument for src/main.ts (repeatable)
  --json             print one JSON document on stdout (progress goes to stderr)
  --verbose          echo the spawned server's output
  --help
`;

interface Args {
  scenario: 'invite' | 'options' | 'sweep' | 'parser' | 'all';
  target: { host: string; port: number } | undefined;
  targetPid: number | undefined;
  reflector: boolean;
  count: number;
  rate: number;
  window: number;
  durationS: number;
  timeoutMs: number;
  sockets: number;
  sweepMethod: LoadMethod;
  sweepStart: number;
  sweepStep: number;
  sweepMax: number;
  sweepSeconds: number;
  sweepWindow: number;
  warmup: boolean;
  /** After the server's sweep, run the same sweep against the bare reflector: this machine's ceiling now. */
  calibrate: boolean;
  waitQuietS: number;
  profile: boolean;
  serverArgs: string[];
  json: boolean;
  verbose: boolean;
}

function num(v: string | undefined, def: number, name: string, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in [${min}, ${max}]`);
  return n;
}

function parseTarget(s: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s);
  if (m === null) throw new Error(`--target must be host:port, got ${s}`);
  const host = m[1] as string;
  if (!isLoopback(host)) throw new Error(`--target must be a loopback address (127.0.0.0/8, ::1, localhost), got ${host}`);
  return { host: host === 'localhost' ? '127.0.0.1' : host, port: Number(m[2]) };
}

function parseCli(argv: string[]): Args | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      target: { type: 'string' },
      'target-pid': { type: 'string' },
      reflector: { type: 'boolean', default: false },
      count: { type: 'string' },
      rate: { type: 'string' },
      window: { type: 'string' },
      duration: { type: 'string' },
      timeout: { type: 'string' },
      sockets: { type: 'string' },
      'sweep-method': { type: 'string' },
      'sweep-start': { type: 'string' },
      'sweep-step': { type: 'string' },
      'sweep-max': { type: 'string' },
      'sweep-seconds': { type: 'string' },
      'sweep-window': { type: 'string' },
      'no-warmup': { type: 'boolean', default: false },
      'no-calibrate': { type: 'boolean', default: false },
      'wait-quiet': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'server-arg': { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return undefined;
  }
  const scenario = values.scenario ?? 'all';
  if (!['invite', 'options', 'sweep', 'parser', 'all'].includes(scenario)) {
    throw new Error(`--scenario must be invite, options, sweep, parser or all; got ${scenario}`);
  }
  const sweepMethod = (values['sweep-method'] ?? 'invite').toUpperCase();
  if (sweepMethod !== 'INVITE' && sweepMethod !== 'OPTIONS') throw new Error('--sweep-method must be invite or options');
  if (values.target !== undefined && values.reflector) throw new Error('--target and --reflector exclude each other');
  return {
    scenario: scenario as Args['scenario'],
    target: values.target === undefined ? undefined : parseTarget(values.target),
    targetPid: values['target-pid'] === undefined ? undefined : Math.round(num(values['target-pid'], 0, 'target-pid', 1, 1e9)),
    reflector: values.reflector,
    count: Math.round(num(values.count, 60_000, 'count', 1, 10_000_000)),
    rate: num(values.rate, 0, 'rate', 0, 1_000_000),
    window: Math.round(num(values.window, 32, 'window', 1, 100_000)),
    durationS: num(values.duration, 6, 'duration', 0.1, 300),
    timeoutMs: num(values.timeout, 1000, 'timeout', 1, 60_000),
    sockets: Math.round(num(values.sockets, 1, 'sockets', 1, 64)),
    sweepMethod,
    sweepStart: num(values['sweep-start'], 5000, 'sweep-start', 1, 1_000_000),
    sweepStep: num(values['sweep-step'], 5000, 'sweep-step', 1, 1_000_000),
    sweepMax: num(values['sweep-max'], 50_000, 'sweep-max', 1, 1_000_000),
    sweepSeconds: num(values['sweep-seconds'], 4, 'sweep-seconds', 0.5, 60),
    sweepWindow: Math.round(num(values['sweep-window'], 1000, 'sweep-window', 1, 100_000)),
    warmup: !values['no-warmup'],
    calibrate: !values['no-calibrate'],
    waitQuietS: num(values['wait-quiet'], 0, 'wait-quiet', 0, 600),
    profile: values.profile,
    serverArgs: values['server-arg'] ?? [],
    json: values.json,
    verbose: values.verbose,
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes (server or reflector)

interface Child {
  readonly host: string;
  readonly port: number;
  readonly proc: ChildProcess;
  /** The process doing the work (the node under `timeout`), for CPU accounting. */
  workPid: number | undefined;
  /** Where the server's bench/gc-hook.ts logs its garbage collections (spawned server only). */
  readonly gcFile?: string;
  /** Last ~64 KiB of the child's stdout+stderr. */
  output(): string;
  stop(): Promise<void>;
}

const children = new Set<Child>();

function attachOutput(proc: ChildProcess, verbose: boolean, onLine?: (line: string) => void): () => string {
  let buf = '';
  const take = (chunk: Buffer): void => {
    const s = chunk.toString('utf8');
    if (verbose) process.stderr.write(s);
    buf = (buf + s).slice(-65536);
    if (onLine !== undefined) for (const line of s.split('\n')) onLine(line);
  };
  proc.stdout?.on('data', take);
  proc.stderr?.on('data', take);
  return () => buf;
}

function makeStop(proc: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const kill = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      proc.kill('SIGTERM');
    });
}

/** A port free for both UDP and TCP on `host` (the server may listen on both). */
async function freePort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, host, () => resolve(udp.address().port));
    });
    const tcpOk = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
    await new Promise<void>((r) => udp.close(() => r()));
    if (tcpOk) return port;
  }
  throw new Error('no free port found');
}

/** Sends OPTIONS probes until any SIP response comes back. */
async function waitForSip(host: string, port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const lport = sock.address().port;
  sock.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      let n = 0;
      const deadline = Date.now() + timeoutMs;
      const probe = (): void => {
        if (!alive()) return reject(new Error('the server exited before answering'));
        if (Date.now() > deadline) return reject(new Error(`no SIP response from ${host}:${port} within ${timeoutMs} ms`));
        n++;
        const msg =
          `OPTIONS sip:nobody@${host} SIP/2.0\r\n` +
          `Via: SIP/2.0/UDP 127.0.0.1:${lport};branch=z9hG4bKprobe${n};rport\r\n` +
          'Max-Forwards: 70\r\n' +
          `From: <sip:bench@127.0.0.1>;tag=probe${n}\r\n` +
          `To: <sip:nobody@${host}>\r\n` +
          `Call-ID: probe-${n}-${process.pid}@127.0.0.1\r\n` +
          'CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n';
        sock.send(Buffer.from(msg, 'latin1'), port, host);
      };
      const timer = setInterval(probe, 200);
      sock.once('message', () => {
        clearInterval(timer);
        resolve();
      });
      probe();
    });
  } finally {
    sock.close();
  }
}

const MAX_CHILD_SECONDS = 900;

/** Runs a command to completion (bounded), resolving with its exit code and output. */
function runCommand(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = attachOutput(proc, false);
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output: output() });
    });
  });
}

let built: Promise<string> | undefined;

/** The tsc build of src/ (and the benchmark's own compiled helpers), made once per run. */
function buildForProfile(): Promise<string> {
  return (built ??= compile());
}

/**
 * Compiles src/ (with the profiling and GC hooks and bench/core.ts) with tsc into a scratch directory outside
 * the repository. tsx emits each module on a single line, which leaves V8's per-line ticks
 * useless; tsc keeps the line structure and writes source maps, so hot lines map back to .ts.
 * Returns the scratch directory, laid out so that src/main.js finds ../config, ../package.json
 * and node_modules as it would in the repository.
 */
async function compile(): Promise<string> {
  const dir = path.join(os.tmpdir(), `sip4xx-bench-build-${process.getuid?.() ?? 0}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  progress('compiling src/ with tsc (line-accurate source maps)…');
  // One program: the server's entry, the profiler and GC hooks and the in-process core benchmark, with the
  // emit settings of tsconfig.json (src/ has no dynamic imports, so main.ts reaches all of it).
  // Type errors in work-in-progress files do not stop tsc from emitting; only a missing output does.
  await runCommand(
    process.execPath,
    [
      tsc, 'src/main.ts', 'bench/prof-hook.ts', 'bench/gc-hook.ts', 'bench/core.ts', '--rootDir', '.', '--outDir', dir, '--module', 'nodenext',
      '--target', 'es2022', '--types', 'node', '--skipLibCheck', '--strict', '--verbatimModuleSyntax', '--esModuleInterop',
      '--resolveJsonModule', '--sourceMap',
    ],
    120_000,
  );
  for (const name of ['src/main.js', 'bench/prof-hook.js', 'bench/gc-hook.js', 'bench/core.js']) {
    if (!existsSync(path.join(dir, name))) throw new Error(`--profile: tsc did not produce ${name}`);
  }
  for (const name of ['config', 'package.json', 'node_modules']) symlinkSync(path.join(ROOT, name), path.join(dir, name));
  return dir;
}

/**
 * bench/core.ts run from the tsc build in a child process, as the server runs, so it
 * measures the code the server runs (tsx's transform adds a property array to every closure).
 */
async function runCoreChild(): Promise<CoreBenchRow[] | { error: string }> {
  try {
    const build = await buildForProfile();
    const r = await runCommand('timeout', ['-k', '5', '120', process.execPath, path.join(build, 'bench', 'core.js'), '--json'], 130_000);
    if (r.code !== 0) return { error: `exit ${r.code}: ${r.output.slice(-500)}` };
    const start = r.output.indexOf('[');
    return JSON.parse(r.output.slice(start)) as CoreBenchRow[];
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

async function spawnServer(a: Args, profileDir: string | undefined): Promise<Child> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  // The server runs as tsc compiled it, as in the container image — not under tsx, whose
  // keepNames transform gives every closure a property array (measured: +45% heap per transaction).
  const build = await buildForProfile();
  // Always loaded: the sweep's p99 tail is made of the server's GC pauses, so every load row shows them.
  // --initial-old-space-size as npm start and the image run it (bench/README.md says why).
  let nodeArgs = ['--initial-old-space-size=64', '--import', path.join(build, 'bench', 'gc-hook.js'), path.join(build, 'src', 'main.js')];
  if (profileDir !== undefined) {
    // The hook profiles in-process and maps frames back to the .ts sources (needs source maps on).
    nodeArgs = ['--enable-source-maps', '--import', path.join(build, 'bench', 'prof-hook.js'), ...nodeArgs];
  }
  const args = [...nodeArgs, '--port', String(port), '--host', host, '--log-level', 'warn', '--admin-port', '0', ...a.serverArgs];
  const gcFile = path.join(build, `server-gc-${Date.now()}.log`);
  writeFileSync(gcFile, '');
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_GC_FILE: gcFile };
  if (profileDir !== undefined) env['BENCH_PROF_DIR'] = profileDir;
  // `timeout` bounds the server's life even if this process dies without cleaning up.
  const proc = spawn('timeout', ['-k', '5', String(MAX_CHILD_SECONDS), process.execPath, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env,
  });
  const output = attachOutput(proc, a.verbose);
  const stop = makeStop(proc);
  const child: Child = { host, port, proc, workPid: undefined, gcFile, output, stop };
  children.add(child);
  let exited = false;
  proc.once('exit', () => {
    exited = true;
  });
  progress(`starting server: node ${args.join(' ')}`);
  try {
    await waitForSip(host, port, 20_000, () => !exited);
  } catch (err) {
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- server output ---\n${output()}`, {
      cause: err,
    });
  }
  child.workPid = proc.pid === undefined ? undefined : childPids(proc.pid)[0];
  return child;
}

async function spawnReflector(a: Args): Promise<Child> {
  const args = ['--import', 'tsx', 'bench/reflector.ts', '--port', '0', '--max-seconds', String(MAX_CHILD_SECONDS)];
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let onPort: (p: number) => void = () => undefined;
  const gotPort = new Promise<number>((resolve) => {
    onPort = resolve;
  });
  const output = attachOutput(proc, a.verbose, (line) => {
    const m = /^REFLECTOR LISTENING (\d+)/.exec(line);
    if (m !== null) onPort(Number(m[1]));
  });
  const stop = makeStop(proc);
  const timer = setTimeout(() => onPort(-1), 20_000);
  const port = await Promise.race([gotPort, new Promise<number>((r) => proc.once('exit', () => r(-1)))]);
  clearTimeout(timer);
  if (port <= 0) {
    await stop();
    throw new Error(`the reflector did not start\n${output()}`);
  }
  const child: Child = { host: '127.0.0.1', port, proc, workPid: proc.pid, output, stop };
  children.add(child);
  return child;
}

async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => c.stop()));
  children.clear();
}

// ---------------------------------------------------------------------------------------------
// Output

let jsonMode = false;
function progress(s: string): void {
  process.stderr.write(`${s}\n`);
}
function out(s: string): void {
  if (!jsonMode) process.stdout.write(`${s}\n`);
}

interface Measured {
  readonly result: LoadResult;
  readonly cpu: CpuReport;
  /** Wall clock (epoch ms) around the run, to pick the target's GC pauses that fell inside it. */
  readonly startMs: number;
  readonly endMs: number;
  /** The target's collections during the run; absent when the bench did not start the target. */
  readonly gc?: GcReport;
}

interface Row extends Measured {
  readonly scenario: string;
  readonly verdict?: string;
}

interface GcPauses {
  count: number;
  maxMs: number;
  totalMs: number;
}

/** Young-generation (scavenge) and full mark-compact collections, from bench/gc-hook.ts. */
interface GcReport {
  readonly minor: GcPauses;
  readonly major: GcPauses;
}

/** The hook appends every 200 ms (and its observer hears of a collection a tick later). */
const GC_SETTLE_MS = 400;

/**
 * The server's collections that started within [startMs, endMs], read from the file its
 * bench/gc-hook.ts writes (`<epoch ms> <kind> <duration ms>` per line). Waits, if need be, until
 * the hook has flushed what it saw up to endMs; undefined when there is no file to read.
 */
async function gcDuring(gcFile: string | undefined, w: { startMs: number; endMs: number }): Promise<GcReport | undefined> {
  if (gcFile === undefined) return undefined;
  const wait = w.endMs + GC_SETTLE_MS - Date.now();
  if (wait > 0) await sleep(wait);
  let text: string;
  try {
    text = readFileSync(gcFile, 'latin1');
  } catch {
    return undefined;
  }
  const minor: GcPauses = { count: 0, maxMs: 0, totalMs: 0 };
  const major: GcPauses = { count: 0, maxMs: 0, totalMs: 0 };
  for (const line of text.split('\n')) {
    const [t, kind, d] = line.split(' ');
    const at = Number(t);
    if (!(at >= w.startMs && at <= w.endMs)) continue;
    const into = kind === 'minor' ? minor : kind === 'major' ? major : undefined;
    if (into === undefined) continue;
    const ms = Number(d);
    into.count++;
    into.totalMs += ms;
    if (ms > into.maxMs) into.maxMs = ms;
  }
  return { minor, major };
}

const f0 = (n: number): string => Math.round(n).toLocaleString('en-US');
const f2 = (n: number): string => n.toFixed(2);
const pct = (n: number | undefined): string => (n === undefined ? '-' : `${Math.round(n)}`);

/**
 * CPU time the target spent per answered request, µs — far less sensitive to a busy machine than
 * the rates are: one core at 20,000 req/s leaves 50 µs per request (an INVITE's ACK included).
 */
function targetUsPerRequest(cpu: CpuReport, r: LoadResult): number | undefined {
  if (cpu.targetPct === undefined || r.answered === 0 || r.durationMs <= 0) return undefined;
  // targetPct is measured over the whole run (wall clock incl. the timeout tail); so is this rate.
  return (cpu.targetPct / 100) * 1e6 / (r.answered / (cpu.wallMs / 1000));
}
const usPerRequest = (cpu: CpuReport, r: LoadResult): string => {
  const us = targetUsPerRequest(cpu, r);
  return us === undefined ? '-' : us.toFixed(1);
};
const gcCell = (p: GcPauses | undefined): string =>
  p === undefined ? '-' : p.count === 0 ? '0' : `${p.count}/${p.maxMs.toFixed(1)}`;

function table(headers: string[], rows: string[][], rightAlign: boolean[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (rightAlign[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function loadTable(rows: Row[], targetName: string): string {
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

function parserTable(p: ParserBenchResult): string {
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

// ---------------------------------------------------------------------------------------------
// Scenarios

function uriFor(host: string, user: string): string {
  return `sip:${user}@${host.includes(':') ? `[${host}]` : host}`;
}

function scenarioUri(method: LoadMethod, host: string): string {
  // INVITE to 486 (Busy Here, ACKed); OPTIONS to a user no rule matches: the default 404.
  return method === 'INVITE' ? uriFor(host, '486') : uriFor(host, 'nobody');
}

async function measured(opts: LoadOptions, targetPid: number | undefined): Promise<Measured> {
  const meter = new CpuMeter(targetPid);
  const startMs = Date.now();
  const result = await runLoad(opts);
  const endMs = Date.now();
  return { result, cpu: meter.stop(), startMs, endMs };
}

interface SweepStep extends Measured {
  readonly rate: number;
  readonly pass: boolean;
  readonly why: string;
  readonly attempt: number;
}

function judgeStep(r: LoadResult, rate: number): { pass: boolean; why: string } {
  const why: string[] = [];
  if (r.lost > 0) why.push(`lost ${r.lost}`);
  if (r.latencyMs.p99 >= TARGET_P99_MS) why.push(`p99 ${f2(r.latencyMs.p99)} ms`);
  if (r.rps < rate * 0.95) why.push(`achieved ${f0(r.rps)}/s`);
  if (r.sendRate < rate * 0.95) why.push(`generator offered only ${f0(r.sendRate)}/s`);
  return { pass: why.length === 0, why: why.length === 0 ? 'ok' : why.join(', ') };
}

/**
 * Offers rising rates for a few seconds each; the answer is the highest rate with zero loss and
 * p99 < 5 ms. A failed step is tried once more (the machine is shared: one GC pause or a neighbour's
 * burst should not end the sweep), then the sweep stops.
 */
async function sweep(
  a: Args,
  host: string,
  port: number,
  pid: number | undefined,
  gcFile?: string,
): Promise<{ steps: SweepStep[]; best: number }> {
  const steps: SweepStep[] = [];
  let best = 0;
  const started = Date.now();
  const tryRate = async (rate: number): Promise<boolean> => {
    for (let attempt = 1; attempt <= 2; attempt++) {
      if (Date.now() - started > 150_000) return false; // hard bound on the whole sweep
      progress(`sweep ${a.sweepMethod} at ${f0(rate)}/s for ${a.sweepSeconds}s${attempt > 1 ? ' (retry)' : ''}…`);
      const m = await measured(
        {
          host,
          port,
          method: a.sweepMethod,
          requestUri: scenarioUri(a.sweepMethod, host),
          count: Math.max(1, Math.round(rate * a.sweepSeconds)),
          rate,
          window: a.sweepWindow,
          timeoutMs: a.timeoutMs,
          durationLimitMs: a.sweepSeconds * 1000 + 1000,
          socketsCount: a.sockets,
        },
        pid,
      );
      const j = judgeStep(m.result, rate);
      await sleep(j.pass ? 300 : 1000);
      // After the pause, by which the server's GC hook has flushed what it saw during the step.
      steps.push({ rate, ...j, attempt, ...m, gc: await gcDuring(gcFile, m) });
      if (j.pass) return true;
    }
    return false;
  };
  for (let rate = a.sweepStart; rate <= a.sweepMax; rate += a.sweepStep) {
    if (!(await tryRate(rate))) break;
    best = rate;
  }
  // Not even the first step passed: halve the rate (twice at most) so there is still a figure.
  for (let rate = a.sweepStart / 2, n = 0; best === 0 && n < 2; rate /= 2, n++) {
    if (await tryRate(Math.round(rate))) best = Math.round(rate);
  }
  return { steps, best };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function newestProfile(dir: string): string | undefined {
  let best: { p: string; t: number } | undefined;
  try {
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.cpuprofile')) continue;
      const p = path.join(dir, f);
      const t = statSync(p).mtimeMs;
      if (best === undefined || t > best.t) best = { p, t };
    }
  } catch {
    return undefined;
  }
  return best?.p;
}

async function main(): Promise<number> {
  const a = parseCli(process.argv.slice(2));
  if (a === undefined) return 0;
  jsonMode = a.json;
  const wantLoad = a.scenario !== 'parser';
  const wantParser = a.scenario === 'parser' || (a.scenario === 'all' && !a.reflector);
  const report: Record<string, unknown> = {
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      node: process.version,
      platform: process.platform,
      loadavg: os.loadavg(),
    },
    scenario: a.scenario,
    targets: { rps: TARGET_RPS, p99Ms: TARGET_P99_MS, parseNsPerInvite: TARGET_PARSE_NS },
  };
  const verdicts: string[] = [];
  let failed = false;

  // How busy is the machine before we start? Others' work makes every figure below noisy.
  const quietUntil = Date.now() + a.waitQuietS * 1000;
  let baseline: number | undefined;
  for (;;) {
    const idle = new CpuMeter(undefined);
    await sleep(1000);
    baseline = idle.stop().otherPct;
    if (baseline === undefined || baseline < 25 || Date.now() >= quietUntil) break;
    progress(`waiting for a quiet machine: other processes use ${Math.round(baseline)}% of a core…`);
  }
  report['baselineOtherCpuPct'] = baseline;
  const busyNote =
    baseline === undefined
      ? ''
      : `, other processes ${Math.round(baseline)}% of a core before start${baseline > 25 ? ' — BUSY MACHINE, expect noisy figures' : ''}`;

  if (wantLoad) {
    let host: string;
    let port: number;
    let mode: string;
    let pid: number | undefined;
    let profileDir: string | undefined;
    let gcFile: string | undefined;
    if (a.target !== undefined) {
      ({ host, port } = a.target);
      pid = a.targetPid;
      mode = `server at ${host}:${port}`;
      await waitForSip(host, port, 5000, () => true);
    } else if (a.reflector) {
      const c = await spawnReflector(a);
      ({ host, port } = c);
      pid = c.workPid;
      mode = `reflector (bench/reflector.ts, child process) at ${host}:${port}`;
    } else {
      if (a.profile) {
        profileDir = path.join(ROOT, '.bench', `prof-${Date.now()}`);
        mkdirSync(profileDir, { recursive: true });
      }
      const c = await spawnServer(a, profileDir);
      ({ host, port, gcFile } = c);
      pid = c.workPid;
      mode = `sip4xx (src/main.ts, child process) at ${host}:${port}`;
    }
    const targetName = a.reflector ? 'refl' : 'srv';
    report['mode'] = mode;
    out(`sip4xx bench — ${mode}`);
    out(
      `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, ` +
        `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}${busyNote}\n`,
    );

    if (a.warmup) {
      progress('warm-up (not reported)…');
      for (const method of ['INVITE', 'OPTIONS'] as const) {
        await runLoad({
          host,
          port,
          method,
          requestUri: scenarioUri(method, host),
          // Few OPTIONS: each leaves a transaction alive for 32 s (Timer J) that later runs would pay for.
          count: method === 'INVITE' ? 20_000 : 5_000,
          window: a.window,
          timeoutMs: a.timeoutMs,
          durationLimitMs: 3000,
          socketsCount: a.sockets,
        });
      }
      await sleep(300);
    }

    // The sweep runs first, on a server that holds no transactions from other runs yet (an OPTIONS
    // transaction lives 32 s after its answer, Timer J; an INVITE one 5 s after its ACK, Timer I).
    const sweepRows: Row[] = [];
    let sweepResult: { steps: SweepStep[]; best: number } | undefined;
    if (a.scenario === 'all' || a.scenario === 'sweep') {
      sweepResult = await sweep(a, host, port, pid, gcFile);
      for (const s of sweepResult.steps) {
        sweepRows.push({
          scenario: `sweep ${a.sweepMethod.toLowerCase()}`,
          result: s.result,
          cpu: s.cpu,
          startMs: s.startMs,
          endMs: s.endMs,
          gc: s.gc,
          verdict: `${s.pass ? 'PASS' : `FAIL: ${s.why}`}${s.attempt > 1 ? ' (retry)' : ''}`,
        });
      }
      report['sweep'] = {
        method: a.sweepMethod,
        maxSustainableRate: sweepResult.best,
        ceilingReached: !sweepResult.steps.every((s) => s.pass),
        steps: sweepResult.steps.map((s) => ({
          rate: s.rate,
          pass: s.pass,
          why: s.why,
          attempt: s.attempt,
          cpu: { ...s.cpu, targetUsPerRequest: targetUsPerRequest(s.cpu, s.result) },
          gc: s.gc ?? null,
          ...s.result,
        })),
      };
      await sleep(1000);
    }

    const rows: Row[] = [];
    for (const method of ['INVITE', 'OPTIONS'] as const) {
      if (a.scenario !== 'all' && a.scenario !== method.toLowerCase()) continue;
      progress(`${method} ${scenarioUri(method, host)}: ${a.count} requests, window ${a.window}…`);
      const m = await measured(
        {
          host,
          port,
          method,
          requestUri: scenarioUri(method, host),
          count: a.count,
          rate: a.rate,
          window: a.window,
          timeoutMs: a.timeoutMs,
          durationLimitMs: a.durationS * 1000,
          socketsCount: a.sockets,
        },
        pid,
      );
      const expected = method === 'INVITE' ? '486' : '404';
      const odd = Object.keys(m.result.statuses).filter((s) => s !== expected);
      if (m.result.lost > 0) failed = true;
      // After the pause, by which the server's GC hook has flushed what it saw during the run.
      await sleep(300);
      rows.push({
        scenario: method.toLowerCase(),
        ...m,
        gc: await gcDuring(gcFile, m),
        ...(odd.length > 0 && !a.reflector ? { verdict: `expected ${expected}` } : {}),
      });
    }
    report['runs'] = rows.map((r) => ({
      scenario: r.scenario,
      cpu: { ...r.cpu, targetUsPerRequest: targetUsPerRequest(r.cpu, r.result) },
      gc: r.gc ?? null,
      ...r.result,
    }));

    rows.push(...sweepRows);
    out(loadTable(rows, targetName));
    out('');
    out(`gen% / ${targetName}% / other%: CPU used by the generator, the target and everything else (100 = one core)`);
    out(`${targetName} µs/req: the target's CPU time per answered request (ACK included); 20,000 req/s on one core needs < 50`);
    if (sweepResult !== undefined) {
      const b = sweepResult.best;
      const capped = sweepResult.steps.every((s) => s.pass) ? ' (every step passed: raise --sweep-max)' : '';
      out(
        `max sustainable rate (${a.sweepMethod}, zero loss, p99 < ${TARGET_P99_MS} ms): ${b > 0 ? `${f0(b)}/s` : 'none'}${capped}`,
      );
      if (!a.reflector) {
        const ok = b >= TARGET_RPS;
        if (!ok) failed = true;
        verdicts.push(
          `${ok ? 'PASS' : 'FAIL'}  sustained ${f0(b)} req/s ${a.sweepMethod} (target ≥ ${f0(TARGET_RPS)} with zero loss and p99 < ${TARGET_P99_MS} ms)`,
        );
      }
    }

    if (children.size > 0) {
      await stopAll();
      if (sweepResult !== undefined && a.calibrate && !a.reflector && a.target === undefined) {
        // The sweep's p99 is the pair's, generator included, on a shared VM: how far the same
        // generator gets against a server that does nothing, in the same run, says how much of the
        // figure is the machine's.
        progress('calibration: the same sweep against bench/reflector.ts…');
        const c = await spawnReflector(a);
        const cal = await sweep(a, c.host, c.port, c.workPid);
        await stopAll();
        report['calibration'] = {
          maxSustainableRate: cal.best,
          steps: cal.steps.map((s) => ({ rate: s.rate, pass: s.pass, why: s.why, attempt: s.attempt, p99Ms: s.result.latencyMs.p99 })),
        };
        const ceiling = cal.best > 0 ? `${f0(cal.best)}/s` : 'none';
        out(`calibration: the bare reflector (bench/reflector.ts), same generator and sweep, same run: ${ceiling}`);
        for (const st of cal.steps) out(`  reflector ${f0(st.rate)}/s: ${st.pass ? 'PASS' : `FAIL: ${st.why}`}${st.attempt > 1 ? ' (retry)' : ''}`);
        if (cal.best < TARGET_RPS && !cal.steps.every((st) => st.pass)) {
          out(`  → the ${f0(TARGET_RPS)}/s target is above what this machine shows right now for any server behind this generator`);
        }
      }
      if (profileDir !== undefined) {
        await sleep(300);
        const prof = newestProfile(profileDir);
        if (prof === undefined) {
          out(`no .cpuprofile was written to ${profileDir}`);
        } else {
          const summary = summarizeProfile(prof, ROOT);
          report['profile'] = { file: prof, ...summary };
          out(`\nserver CPU profile: ${path.relative(ROOT, prof)}`);
          out(formatProfile(summary, 25));
        }
      }
    }
  }

  if (wantParser) {
    progress('in-process core benchmark (compiled build)…');
    const core = await runCoreChild();
    report['core'] = core;
    out('\nhot path in one process (bench/core.ts: parse → transactions → rules → serialize, no sockets)');
    if (Array.isArray(core)) {
      out(
        table(
          ['case', 'iterations/round', 'µs/op (median)', 'best µs/op', 'sent/op'],
          core.map((r) => [r.name, f0(r.iterations), r.usPerOp.toFixed(2), r.bestUsPerOp.toFixed(2), String(r.sentPerOp)]),
          [false, true, true, true, true],
        ),
      );
    } else {
      out(`note: the core benchmark did not run: ${core.error}`);
    }
    progress('parser micro-benchmark…');
    const p = await runParserBench();
    report['parser'] = p;
    out('\nparser micro-benchmark');
    if (p.results.length > 0) out(parserTable(p));
    for (const n of p.notes) out(`note: ${n}`);
    if (!p.available) {
      out('the parser benchmark did not run: src/sip/parse.ts with an exported parseMessage is needed');
      if (a.scenario === 'parser') failed = true;
    } else {
      const inv = p.results.find((r) => r.name.startsWith('parse INVITE'));
      if (inv !== undefined) {
        const ok = inv.nsPerOp <= TARGET_PARSE_NS && inv.outcome === 'request';
        if (!ok) failed = true;
        verdicts.push(`${ok ? 'PASS' : 'FAIL'}  parse plain INVITE ${f0(inv.nsPerOp)} ns (target ≤ ${f0(TARGET_PARSE_NS)} ns)`);
      }
    }
  }

  if (verdicts.length > 0) {
    out('');
    for (const v of verdicts) out(v);
  }
  report['verdicts'] = verdicts;
  if (jsonMode) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return failed ? 1 : 0;
}

const hardStop = setTimeout(() => {
  progress('bench: hard time limit reached, stopping');
  void stopAll().then(() => process.exit(2));
}, 600_000);
hardStop.unref();

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    void stopAll().then(() => process.exit(130));
  });
}

main()
  .then(async (code) => {
    await stopAll();
    process.exitCode = code;
  })
  .catch(async (err: unknown) => {
    await stopAll();
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
