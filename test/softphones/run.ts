/**
 * Real softphones against sip4xx: baresip and linphonec register and call through a sip4xx started
 * on 127.0.0.1, over UDP and over TCP. Every case asserts on what the client reports (baresip's
 * ctrl_tcp events and SIP trace, linphonec's stdout and log file) AND on sip4xx's JSON log.
 *
 *   npm run test:softphones          (or: node --import tsx test/softphones/run.ts)
 *
 * Prints one PASS/FAIL line per case and, last, exactly one line "N passed, N failed"; exits
 * non-zero if anything failed. Needs `apt-get install baresip-core linphone-cli`. A missing client
 * is a FAIL under CI=true, a SKIP (not counted) otherwise.
 * Env: SOFTPHONES_KEEP_LOGS=1 keeps the per-run directory (its path is printed);
 *      SOFTPHONES_BARESIP_MODULES overrides baresip's module_path (default /usr/lib/baresip/modules).
 *
 * Two sip4xx processes, both serving UDP and TCP: one on test/softphones/sip4xx-test.yaml (digest
 * challenges SHA-256 then MD5, RFC 8760) for linphonec, and one with `auth.algorithms [MD5]` for
 * baresip: baresip 1.0 (libre 1.1) fails a whole 401 with ENOSYS as soon as any WWW-Authenticate
 * names an algorithm other than MD5, instead of ignoring that challenge (RFC 8760 §2.4).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const HOST = '127.0.0.1';
const SUITE_DEADLINE_MS = 170_000; // the brief: the whole run under 3 minutes
const started = Date.now();

type Transport = 'udp' | 'tcp';
const TRANSPORTS: readonly Transport[] = ['udp', 'tcp'];

// ---- results -------------------------------------------------------------------------------------
let passed = 0;
let failed = 0;

/** One result line; on failure the problems and the given evidence, indented. */
function record(name: string, problems: readonly string[], evidence: () => string[] = () => []): void {
  if (problems.length === 0) {
    passed++;
    console.log(`PASS  ${name}`);
    return;
  }
  failed++;
  console.log(`FAIL  ${name}`);
  for (const p of problems) console.log(`  - ${p}`);
  for (const block of evidence()) {
    for (const line of block.split('\n')) console.log(`  | ${line}`);
  }
}

/** Outside CI only: under CI=true the missing client was already reported as a FAIL. */
function skip(name: string, why: string): void {
  if (process.env.CI !== 'true') console.log(`SKIP  ${name} (${why})`);
}

// ---- processes and cleanup -----------------------------------------------------------------------
const children = new Set<ChildProcess>();
let work = '';

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; only ever the processes this runner started, by pid. */
async function stop(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (exited(child)) return;
  child.kill('SIGTERM');
  if (!(await waitExit(child, graceMs))) {
    child.kill('SIGKILL');
    await waitExit(child, 1000);
  }
}

let cleanedUp = false;
async function cleanup(): Promise<void> {
  if (cleanedUp) return;
  cleanedUp = true;
  await Promise.all([...children].map((c) => stop(c)));
  if (work !== '') {
    if (process.env.SOFTPHONES_KEEP_LOGS === '1') console.error(`logs kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

/** Last resort on a signal or a crash: synchronous, so it also runs from 'exit'. */
function killAllNow(): void {
  for (const c of children) if (!exited(c)) c.kill('SIGKILL');
  if (work !== '' && process.env.SOFTPHONES_KEEP_LOGS !== '1') rmSync(work, { recursive: true, force: true });
}
process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    console.log(`FAIL  suite interrupted by ${sig}`);
    failed++;
    console.log(`${passed} passed, ${failed} failed`);
    killAllNow();
    process.exit(130);
  });
}

// ---- small helpers -------------------------------------------------------------------------------
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `probe` until it returns something other than undefined/false, or `ms` passes. */
async function waitFor<T>(probe: () => T | undefined | false, ms: number, everyMs = 50): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() >= deadline) return undefined;
    await sleep(everyMs);
  }
}

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/@([A-Z_]+)@/g, (whole, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`template placeholder ${whole} has no value`);
    return String(v);
  });
}

function tail(text: string, lines: number): string {
  const all = text.replace(/\r/g, '').split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.trim() !== '')?.trim() ?? '?';
}

function listenTcp(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: HOST, port, exclusive: true }, () => resolve(s));
  });
}
function bindUdp(port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind({ address: HOST, port, exclusive: true }, () => resolve(s));
  });
}

/** N distinct ports, each free for both TCP and UDP on 127.0.0.1 (all held until all are found). */
async function freePorts(count: number): Promise<number[]> {
  const held: Array<net.Server | dgram.Socket> = [];
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count && attempt < 200; attempt++) {
    const tcp = await listenTcp(0);
    held.push(tcp);
    const port = (tcp.address() as net.AddressInfo).port;
    try {
      held.push(await bindUdp(port));
      ports.push(port);
    } catch {
      // UDP side taken: try another
    }
  }
  for (const s of held) s.close();
  if (ports.length < count) throw new Error(`found only ${ports.length} of ${count} free ports`);
  return ports;
}

// ---- SIP messages as the clients saw them --------------------------------------------------------
interface SipMsg {
  readonly dir: 'in' | 'out'; // as seen by the client
  readonly startLine: string;
  readonly headers: ReadonlyMap<string, readonly string[]>; // lower-case full names
  readonly text: string;
}

const COMPACT: Record<string, string> = { i: 'call-id', m: 'contact', v: 'via', f: 'from', t: 'to', l: 'content-length', c: 'content-type' };
const START_LINE = /^(?:SIP\/2\.0 \d{3} .*|[A-Z]+ \S+ SIP\/2\.0)$/;

/** Split text holding one or more SIP messages (a TCP read may carry several) into messages. */
function parseMessages(text: string, dir: 'in' | 'out'): SipMsg[] {
  const out: SipMsg[] = [];
  let lines: string[] | undefined;
  const flush = (): void => {
    if (!lines || lines.length === 0) return;
    const headers = new Map<string, string[]>();
    for (const line of lines.slice(1)) {
      if (line === '') break; // end of the header block; the body is not needed
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      let name = line.slice(0, colon).trim().toLowerCase();
      name = COMPACT[name] ?? name;
      const list = headers.get(name) ?? [];
      list.push(line.slice(colon + 1).trim());
      headers.set(name, list);
    }
    out.push({ dir, startLine: lines[0] ?? '', headers, text: lines.join('\n') });
  };
  for (const raw of text.replace(/\r/g, '').split('\n')) {
    if (START_LINE.test(raw)) {
      flush();
      lines = [raw];
    } else if (lines) {
      lines.push(raw);
    }
  }
  flush();
  return out;
}

const hdr = (m: SipMsg, name: string): string | undefined => m.headers.get(name)?.[0];
const hdrs = (m: SipMsg, name: string): readonly string[] => m.headers.get(name) ?? [];
const statusOf = (m: SipMsg): number | undefined => {
  const s = /^SIP\/2\.0 (\d{3}) /.exec(m.startLine);
  return s ? Number(s[1]) : undefined;
};
const isRequest = (m: SipMsg, method: string): boolean => m.startLine.startsWith(`${method} `);
const cseqMethod = (m: SipMsg): string => (hdr(m, 'cseq') ?? '').split(/\s+/)[1] ?? '';
/** Expires asked for by a REGISTER: the Expires header, else the Contact's expires parameter. */
function registerExpires(m: SipMsg): number | undefined {
  const e = hdr(m, 'expires');
  if (e !== undefined && /^\d+$/.test(e)) return Number(e);
  const p = /;\s*expires=(\d+)/i.exec(hdrs(m, 'contact').join(','));
  return p ? Number(p[1]) : undefined;
}
const brief = (m: SipMsg): string => `${m.dir === 'in' ? '<-' : '->'} ${m.startLine} [${hdr(m, 'cseq') ?? ''}]`;

/**
 * The challenge hygiene both clients depend on (they re-send many times on a 401 without a
 * challenge): every 401 carries WWW-Authenticate, and no Call-ID gets two 401s in a row.
 */
function challengeProblems(msgs: readonly SipMsg[]): string[] {
  const problems: string[] = [];
  const last = new Map<string, number>();
  for (const m of msgs) {
    const code = statusOf(m);
    if (m.dir !== 'in' || code === undefined || code < 200) continue;
    const callId = hdr(m, 'call-id') ?? '?';
    if (code === 401 && hdrs(m, 'www-authenticate').length === 0) {
      problems.push(`401 to ${hdr(m, 'cseq')} (Call-ID ${callId}) without WWW-Authenticate`);
    }
    if (code === 401 && last.get(callId) === 401) {
      problems.push(`Call-ID ${callId} challenged twice in a row (client re-sent after a 401 it could not use)`);
    }
    last.set(callId, code);
  }
  return problems;
}

// ---- sip4xx --------------------------------------------------------------------------------------
interface LogLine {
  readonly msg?: string;
  readonly method?: string;
  readonly callId?: string;
  readonly code?: number;
  readonly rule?: string;
  readonly transport?: string;
  readonly [key: string]: unknown;
}

class Sip4xx {
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];
  readonly proc: ChildProcess;

  constructor(
    readonly label: string,
    readonly port: number,
    extraArgs: readonly string[],
    logFile: string,
  ) {
    const args = [
      '--import', 'tsx', 'src/main.ts',
      '--config', path.join(HERE, 'sip4xx-test.yaml'),
      '--host', HOST, '--port', String(port), '--admin-port', '0', '--log-level', 'info',
      ...extraArgs,
    ];
    this.proc = track(spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
    const file = createWriteStream(logFile);
    let partial = '';
    const onData = (chunk: Buffer): void => {
      file.write(chunk);
      partial += chunk.toString('utf8');
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        if (line.trim() === '') continue;
        this.raw.push(line);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          // not JSON (a crash trace): kept in raw for the failure report
        }
      }
    };
    this.proc.stdout?.on('data', onData);
    this.proc.stderr?.on('data', onData);
  }

  async ready(ms: number): Promise<boolean> {
    return (await waitFor(() => exited(this.proc) ? 'dead' : this.lines.some((l) => l.msg === 'listening') && 'up', ms)) === 'up';
  }

  alive(): boolean {
    return !exited(this.proc);
  }

  answered(callId: string, method?: string): LogLine[] {
    return this.lines.filter((l) => l.msg === 'answered' && l.callId === callId && (method === undefined || l.method === method));
  }

  codes(callId: string, method?: string): number[] {
    return this.answered(callId, method).map((l) => l.code ?? 0);
  }

  /**
   * The codes logged for a Call-ID once there are at least `n` (or after `ms`): a client can see a
   * response before the line sip4xx logs for it has come through the pipe to this runner.
   */
  async codesWhen(n: number, callId: string, method?: string, ms = 2000): Promise<number[]> {
    await waitFor(() => this.answered(callId, method).length >= n, ms);
    return this.codes(callId, method);
  }

  /** Every request of this Call-ID must have reached sip4xx over `transport` (BYE included). */
  transportProblems(callId: string, transport: Transport): string[] {
    const wrong = this.lines.filter((l) => l.msg === 'answered' && l.callId === callId && l.transport !== transport);
    return wrong.map((l) => `sip4xx got ${l.method} ${callId} over ${l.transport}, expected ${transport}`);
  }

  /** The answered lines of these Call-IDs, for failure reports. */
  evidence(callIds: readonly string[]): string {
    const rows = this.lines
      .filter((l) => l.msg === 'answered' && callIds.includes(String(l.callId)))
      .map((l) => `${l.method} ${l.callId} ${l.transport} -> ${l.code} (${l.rule})`);
    return `sip4xx (${this.label}) answered:\n${rows.length > 0 ? rows.join('\n') : '(nothing for these Call-IDs)'}`;
  }

  tailLog(n: number): string {
    return `sip4xx (${this.label}) log tail:\n${this.raw.slice(-n).join('\n')}`;
  }
}

/** Problems when `got` (the codes sip4xx logged for a Call-ID, in order) is not `want`. */
function expectCodes(what: string, got: readonly number[], want: readonly number[]): string[] {
  return got.join(',') === want.join(',') ? [] : [`sip4xx logged ${what} as [${got.join(', ')}], expected [${want.join(', ')}]`];
}

// ---- baresip -------------------------------------------------------------------------------------
interface BaresipEvent {
  readonly type: string;
  readonly class?: string;
  readonly peeruri?: string;
  readonly id?: string;
  readonly param?: string;
  readonly accountaor?: string;
}

/** A ctrl_tcp connection: netstring-framed JSON commands, responses and events. */
class BaresipCtrl {
  readonly events: BaresipEvent[] = [];
  private readonly responses = new Map<string, { ok: boolean; data: string }>();
  private buf = Buffer.alloc(0);
  private seq = 0;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (;;) {
        const colon = this.buf.indexOf(0x3a);
        if (colon < 0) return;
        const len = Number(this.buf.subarray(0, colon).toString('latin1'));
        if (!Number.isInteger(len) || this.buf.length < colon + 1 + len + 1) return;
        const body = this.buf.subarray(colon + 1, colon + 1 + len).toString('utf8');
        this.buf = this.buf.subarray(colon + 2 + len); // skip the trailing ','
        try {
          const j = JSON.parse(body) as Record<string, unknown>;
          if (j.event === true) this.events.push(j as unknown as BaresipEvent);
          else if (j.response === true && typeof j.token === 'string') {
            this.responses.set(j.token, { ok: j.ok === true, data: String(j.data ?? '') });
          }
        } catch {
          // ignore a frame we cannot read
        }
      }
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number, ms: number, client: ChildProcess): Promise<BaresipCtrl | undefined> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && !exited(client)) {
      const socket = await new Promise<net.Socket | undefined>((resolve) => {
        const s = net.connect({ host: HOST, port });
        s.once('connect', () => resolve(s));
        s.once('error', () => {
          s.destroy();
          resolve(undefined);
        });
      });
      if (socket) return new BaresipCtrl(socket);
      await sleep(100);
    }
    return undefined;
  }

  async command(command: string, params = '', ms = 3000): Promise<{ ok: boolean; data: string } | undefined> {
    const token = `t${++this.seq}`;
    const json = JSON.stringify({ command, params, token });
    this.socket.write(`${Buffer.byteLength(json)}:${json},`);
    return waitFor(() => this.responses.get(token), ms);
  }

  /** First event at or after index `from` matching `pred`. */
  waitEvent(from: number, pred: (e: BaresipEvent) => boolean, ms: number): Promise<BaresipEvent | undefined> {
    return waitFor(() => this.events.slice(from).find(pred), ms);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** ANSI colour sequences (baresip colours its output even into a pipe). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const stripAnsi = (s: string): string => s.replace(ANSI, '');

/** baresip's -s SIP trace: blocks "#\n<UDP|TCP> <src> -> <dst>\n<message>" (ANSI colour around). */
function baresipTrace(stdout: string, serverPort: number): SipMsg[] {
  const plain = stdout.replace(ANSI, '\uffff'); // each trace block ends where its colour is reset
  const msgs: SipMsg[] = [];
  const block = /#\n(UDP|TCP) (\S+) -> (\S+)\n([^\uffff]*)/g;
  for (let m = block.exec(plain); m; m = block.exec(plain)) {
    const dir = m[2] === `${HOST}:${serverPort}` ? 'in' : 'out';
    msgs.push(...parseMessages(m[4] ?? '', dir));
  }
  return msgs;
}

class Baresip {
  readonly proc: ChildProcess;
  stdout = '';

  constructor(
    readonly dir: string,
    readonly ctrlPort: number,
  ) {
    // -s: SIP trace on stdout; -t: a safety net, baresip quits by itself after 60 s.
    this.proc = track(
      spawn('baresip', ['-f', dir, '-s', '-t', '60'], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HOME: dir },
      }),
    );
    const file = createWriteStream(path.join(dir, 'stdout.log'));
    const onData = (d: Buffer): void => {
      file.write(d);
      this.stdout += d.toString('utf8');
    };
    this.proc.stdout?.on('data', onData);
    this.proc.stderr?.on('data', onData);
  }

  static write(dir: string, transport: Transport, serverPort: number, ctrlPort: number, regint: number): void {
    mkdirSync(dir, { recursive: true });
    const modulePath = process.env.SOFTPHONES_BARESIP_MODULES ?? '/usr/lib/baresip/modules';
    writeFileSync(
      path.join(dir, 'config'),
      fill(readFileSync(path.join(HERE, 'baresip.config.in'), 'utf8'), {
        TRANSPORT: transport, DIR: dir, MODULE_PATH: modulePath, CTRL_PORT: ctrlPort,
      }),
    );
    writeFileSync(
      path.join(dir, 'accounts'),
      `<sip:alice@${HOST}:${serverPort};transport=${transport}>;auth_pass=secret;regint=${regint}\n`,
    );
  }

  /** The "registered" line baresip's menu prints: `alice@127.0.0.1: {0/UDP/v4} 200 OK (sip4xx) [1 binding]`. */
  registeredLine(transport: Transport): string | undefined {
    const re = new RegExp(`alice@${HOST.replace(/\./g, '\\.')}: \\{\\d+/${transport.toUpperCase()}/v4\\} 200 OK[^\\n]*`);
    return re.exec(stripAnsi(this.stdout))?.[0];
  }

  failedRegistration(): string | undefined {
    return /reg: [^\n]*: Register: [^\n]*|[^\n]*\{\d+\/[A-Z]+\/v4\} [3-6]\d\d [^\n]*/.exec(stripAnsi(this.stdout))?.[0];
  }

  async quit(ctrl: BaresipCtrl | undefined): Promise<void> {
    if (ctrl && !exited(this.proc)) await ctrl.command('quit', '', 2000);
    ctrl?.close();
    if (!(await waitExit(this.proc, 5000))) await stop(this.proc);
  }

  outputTail(n = 40): string {
    return `baresip output (tail):\n${tail(stripAnsi(this.stdout).replace(/\[\d+:\d\d:\d\d\] audio=[^\n\r]*/g, ''), n)}`;
  }
}

/** The REGISTER exchange of one baresip/linphonec run, checked on both sides. */
async function registerProblems(
  msgs: readonly SipMsg[],
  server: Sip4xx,
  opts: { transport: Transport; algorithm: 'MD5' | 'SHA-256'; wantCodes: readonly number[]; minExpires?: number; askExpires?: number },
): Promise<{ problems: string[]; callId?: string }> {
  const problems: string[] = [];
  const first = msgs.find((m) => m.dir === 'out' && isRequest(m, 'REGISTER'));
  if (!first) return { problems: ['client sent no REGISTER'] };
  const callId = hdr(first, 'call-id') ?? '';
  const exchange = msgs.filter((m) => hdr(m, 'call-id') === callId && cseqMethod(m) === 'REGISTER');
  const finals = exchange.filter((m) => m.dir === 'in' && (statusOf(m) ?? 0) >= 200);
  const want = opts.wantCodes;
  const got = finals.slice(0, want.length).map((m) => statusOf(m) ?? 0);
  if (got.join(',') !== want.join(',')) problems.push(`client received [${got.join(', ')}] to its REGISTERs, expected [${want.join(', ')}]`);

  const challenge = finals.find((m) => statusOf(m) === 401);
  if (challenge) {
    const algs = hdrs(challenge, 'www-authenticate').map((v) => /algorithm=("?)([\w-]+)\1/i.exec(v)?.[2] ?? 'MD5');
    if (!algs.some((a) => a.toUpperCase() === opts.algorithm)) problems.push(`401 offered [${algs.join(', ')}], no ${opts.algorithm} challenge`);
  }
  const authorized = exchange.find((m) => m.dir === 'out' && isRequest(m, 'REGISTER') && hdrs(m, 'authorization').length > 0);
  if (!authorized) problems.push('client never sent a REGISTER with Authorization');
  else {
    const auth = hdr(authorized, 'authorization') ?? '';
    const alg = /algorithm=("?)([\w-]+)\1/i.exec(auth)?.[2] ?? 'MD5'; // absent means MD5 (RFC 2617 §3.2.2)
    if (!/^Digest\s/i.test(auth) || !/username="alice"/.test(auth)) problems.push(`unexpected Authorization: ${auth}`);
    if (alg.toUpperCase() !== opts.algorithm) problems.push(`client answered the challenge with ${alg}, expected ${opts.algorithm}`);
  }
  if (opts.askExpires !== undefined) {
    const asked = registerExpires(first);
    if (asked !== opts.askExpires) problems.push(`first REGISTER asked for Expires ${asked}, expected ${opts.askExpires}`);
  }
  if (opts.minExpires !== undefined) {
    const r423 = finals.find((m) => statusOf(m) === 423);
    const min = r423 ? hdr(r423, 'min-expires') : undefined;
    if (!r423) problems.push('no 423 reached the client');
    else if (min !== String(opts.minExpires)) problems.push(`423 carried Min-Expires ${min}, expected ${opts.minExpires}`);
    const i423 = r423 ? exchange.indexOf(r423) : -1;
    const retry = exchange.slice(i423 + 1).find((m) => m.dir === 'out' && isRequest(m, 'REGISTER'));
    if (r423 && !retry) problems.push('client did not retry after the 423');
    else if (retry && registerExpires(retry) !== opts.minExpires) {
      problems.push(`retry after 423 asked for Expires ${registerExpires(retry)}, expected ${opts.minExpires}`);
    }
  }
  problems.push(...expectCodes(`REGISTER ${callId}`, (await server.codesWhen(want.length, callId, 'REGISTER')).slice(0, want.length), want));
  const rules = server.answered(callId, 'REGISTER').slice(0, want.length).map((l) => l.rule);
  const wantRules = want.map((c) => (c === 401 ? 'auth' : 'registrar'));
  if (rules.join(',') !== wantRules.join(',')) problems.push(`sip4xx rules for REGISTER: [${rules.join(', ')}], expected [${wantRules.join(', ')}]`);
  problems.push(...server.transportProblems(callId, opts.transport));
  return { problems, callId };
}

async function baresipCalls(transport: Transport, server: Sip4xx, ctrlPort: number): Promise<void> {
  const tag = `baresip   ${transport}`;
  const dir = path.join(work, `baresip-${transport}`);
  Baresip.write(dir, transport, server.port, ctrlPort, 600);
  const bs = new Baresip(dir, ctrlPort);
  const trace = (): SipMsg[] => baresipTrace(bs.stdout, server.port);
  const traceOf = (callId: string): string =>
    `client trace for ${callId}:\n${trace().filter((m) => hdr(m, 'call-id') === callId).map(brief).join('\n')}`;
  const ctrl = await BaresipCtrl.connect(ctrlPort, 5000, bs.proc);
  const callIds: string[] = [];
  try {
    // 1. register through the digest challenge
    await waitFor(() => (bs.registeredLine(transport) ? 'ok' : bs.failedRegistration() || exited(bs.proc) ? 'failed' : undefined), 8000);
    await sleep(100); // let the trace of the 200 be flushed too
    const line = bs.registeredLine(transport);
    const reg = await registerProblems(trace(), server, { transport, algorithm: 'MD5', wantCodes: [401, 200], askExpires: 600 });
    const regProblems = [...(ctrl ? [] : [`could not connect to ctrl_tcp on ${HOST}:${ctrlPort}`])];
    if (!line) regProblems.push(`no "alice@${HOST}: {0/${transport.toUpperCase()}/v4} 200 OK" line from baresip${bs.failedRegistration() ? `; it said: ${bs.failedRegistration()}` : ''}`);
    regProblems.push(...reg.problems);
    if (reg.callId) callIds.push(reg.callId);
    record(`${tag}  register alice: 401 digest (MD5) -> 200 OK`, regProblems, () => [
      ...(line ? [`client: ${line}`] : []),
      traceOf(reg.callId ?? ''),
      server.evidence(reg.callId ? [reg.callId] : []),
      ...(line ? [] : [bs.outputTail()]),
    ]);
    if (!ctrl) {
      for (const c of ['busy', '480', 'g729', 'ringing', 'answer']) record(`${tag}  call ${c}`, ['no ctrl_tcp connection to drive baresip']);
      return;
    }

    // 2. calls that fail at once: the client's CALL_CLOSED reason and sip4xx's log must agree
    const simple: Array<{ user: string; want: string; code: number; rule: string; check?: (m: SipMsg) => string[] }> = [
      { user: 'busy', want: '486 Busy Here', code: 486, rule: 'behaviour' },
      { user: '480', want: '480 Temporarily Unavailable', code: 480, rule: 'code-in-uri' },
      {
        user: 'g729', want: '488 Not Acceptable Here', code: 488, rule: 'content',
        check: (m) => (hdrs(m, 'warning').some((w) => /^305\b/.test(w)) ? [] : [`488 without "Warning: 305" (Warning: ${hdrs(m, 'warning').join(' | ') || 'none'})`]),
      },
    ];
    for (const c of simple) {
      const uri = `sip:${c.user}@${HOST}:${server.port}`;
      const from = ctrl.events.length;
      const res = await ctrl.command('dial', uri);
      const closed = await ctrl.waitEvent(from, (e) => e.type === 'CALL_CLOSED' && (e.peeruri ?? '').split(';')[0] === uri, 5000);
      const problems: string[] = [];
      if (!res?.ok) problems.push(`dial command not accepted: ${JSON.stringify(res)}`);
      if (!closed) problems.push('no CALL_CLOSED event within 5 s');
      else if (closed.param !== c.want) problems.push(`client reported "${closed.param}", expected "${c.want}"`);
      const callId = closed?.id ?? '';
      if (callId) callIds.push(callId);
      const got = await server.codesWhen(2, callId, 'INVITE');
      problems.push(...expectCodes(`INVITE ${callId}`, got, [401, c.code]));
      problems.push(...server.transportProblems(callId, transport));
      const rule = server.answered(callId, 'INVITE').at(-1)?.rule;
      if (rule !== c.rule) problems.push(`sip4xx's last answer to the INVITE came from rule "${rule}", expected "${c.rule}"`);
      const response = trace().find((m) => m.dir === 'in' && hdr(m, 'call-id') === callId && statusOf(m) === c.code);
      if (!response) problems.push(`no ${c.code} in the client's SIP trace`);
      else if (c.check) problems.push(...c.check(response));
      record(`${tag}  call ${uri.replace(`:${server.port}`, '')} -> ${c.want}`, problems, () => [
        `client events: ${ctrl.events.slice(from).map((e) => `${e.type}${e.param ? `(${e.param})` : ''}`).join(', ')}`,
        traceOf(callId),
        server.evidence([callId]),
      ]);
    }

    // 3. ringing, then the caller hangs up before the answer: CANCEL -> 200, INVITE -> 487
    {
      const uri = `sip:ringing@${HOST}:${server.port}`;
      const from = ctrl.events.length;
      const res = await ctrl.command('dial', uri);
      const problems: string[] = [];
      if (!res?.ok) problems.push(`dial command not accepted: ${JSON.stringify(res)}`);
      const ringing = await ctrl.waitEvent(from, (e) => e.type === 'CALL_RINGING', 5000);
      if (!ringing) problems.push('no CALL_RINGING event within 5 s');
      await sleep(300);
      await ctrl.command('hangup');
      const closed = await ctrl.waitEvent(from, (e) => e.type === 'CALL_CLOSED', 5000);
      const callId = ringing?.id ?? closed?.id ?? '';
      if (callId) callIds.push(callId);
      if (!closed) problems.push('no CALL_CLOSED event after hangup');
      await waitFor(() => server.codes(callId, 'INVITE').includes(487) && server.codes(callId, 'CANCEL').length > 0, 3000);
      problems.push(...expectCodes(`CANCEL ${callId}`, server.codes(callId, 'CANCEL'), [200]));
      problems.push(...expectCodes(`INVITE ${callId}`, server.codes(callId, 'INVITE'), [401, 487]));
      problems.push(...server.transportProblems(callId, transport));
      await waitFor(() => trace().some((m) => m.dir === 'in' && hdr(m, 'call-id') === callId && statusOf(m) === 487), 2000);
      const t = trace().filter((m) => hdr(m, 'call-id') === callId);
      if (!t.some((m) => m.dir === 'in' && statusOf(m) === 180)) problems.push('client trace: no 180 Ringing received');
      if (!t.some((m) => m.dir === 'out' && isRequest(m, 'CANCEL'))) problems.push('client trace: no CANCEL sent');
      if (!t.some((m) => m.dir === 'in' && statusOf(m) === 200 && cseqMethod(m) === 'CANCEL')) problems.push('client trace: no 200 to the CANCEL');
      if (!t.some((m) => m.dir === 'in' && statusOf(m) === 487 && cseqMethod(m) === 'INVITE')) problems.push('client trace: no 487 to the INVITE');
      record(`${tag}  call sip:ringing@${HOST}, hang up while ringing -> CANCEL 200, INVITE 487`, problems, () => [
        `client events: ${ctrl.events.slice(from).map((e) => `${e.type}${e.param ? `(${e.param})` : ''}`).join(', ')}`,
        traceOf(callId),
        server.evidence([callId]),
      ]);
    }

    // 4. answered: established, media started, then BYE -> 200
    {
      const uri = `sip:answer@${HOST}:${server.port}`;
      const from = ctrl.events.length;
      const res = await ctrl.command('dial', uri);
      const problems: string[] = [];
      if (!res?.ok) problems.push(`dial command not accepted: ${JSON.stringify(res)}`);
      const est = await ctrl.waitEvent(from, (e) => e.type === 'CALL_ESTABLISHED' || e.type === 'CALL_CLOSED', 5000);
      if (!est) problems.push('no CALL_ESTABLISHED event within 5 s');
      else if (est.type !== 'CALL_ESTABLISHED') problems.push(`call closed before it was established: "${est.param}"`);
      const callId = est?.id ?? '';
      if (callId) callIds.push(callId);
      if (est?.type === 'CALL_ESTABLISHED') {
        await sleep(700); // a little media (ausine -> opus -> RTP) before hanging up
        const early = ctrl.events.slice(from).find((e) => e.type === 'CALL_CLOSED');
        if (early) problems.push(`call closed by itself before the hangup: "${early.param}"`);
        await ctrl.command('hangup');
        const closed = await ctrl.waitEvent(from, (e) => e.type === 'CALL_CLOSED', 5000);
        if (!closed) problems.push('no CALL_CLOSED event after hangup');
      }
      await waitFor(() => server.codes(callId, 'BYE').length > 0, 3000);
      problems.push(...expectCodes(`INVITE ${callId}`, await server.codesWhen(2, callId, 'INVITE'), [401, 200]));
      problems.push(...expectCodes(`BYE ${callId}`, server.codes(callId, 'BYE'), [200]));
      problems.push(...server.transportProblems(callId, transport));
      const byeRule = server.answered(callId, 'BYE')[0]?.rule;
      if (byeRule !== undefined && byeRule !== 'dialog') problems.push(`sip4xx answered the BYE by rule "${byeRule}", expected "dialog"`);
      await waitFor(() => trace().some((m) => m.dir === 'in' && hdr(m, 'call-id') === callId && cseqMethod(m) === 'BYE'), 2000);
      const t = trace().filter((m) => hdr(m, 'call-id') === callId);
      if (!t.some((m) => m.dir === 'out' && isRequest(m, 'ACK') && statusOf(m) === undefined)) problems.push('client trace: no ACK sent');
      if (!t.some((m) => m.dir === 'in' && statusOf(m) === 200 && cseqMethod(m) === 'BYE')) problems.push('client trace: no 200 to the BYE');
      record(`${tag}  call sip:answer@${HOST} -> established, BYE -> 200 OK`, problems, () => [
        `client events: ${ctrl.events.slice(from).map((e) => `${e.type}${e.param ? `(${e.param})` : ''}`).join(', ')}`,
        traceOf(callId),
        server.evidence([callId]),
        bs.outputTail(25),
      ]);
    }
  } finally {
    await bs.quit(ctrl);
  }
  const all = trace();
  record(`${tag}  every 401 carried WWW-Authenticate, no request challenged twice`, challengeProblems(all), () => [
    all.filter((m) => statusOf(m) === 401).map(brief).join('\n'),
  ]);
  if (!server.alive()) record(`${tag}  sip4xx still running`, ['sip4xx exited'], () => [server.tailLog(40)]);
}

async function baresip423(transport: Transport, server: Sip4xx, ctrlPort: number): Promise<void> {
  const tag = `baresip   ${transport}`;
  const dir = path.join(work, `baresip-${transport}-423`);
  Baresip.write(dir, transport, server.port, ctrlPort, 30); // Expires 30 < registrar.minExpires 60
  const bs = new Baresip(dir, ctrlPort);
  const ctrl = await BaresipCtrl.connect(ctrlPort, 5000, bs.proc);
  try {
    await waitFor(() => (bs.registeredLine(transport) ? 'ok' : exited(bs.proc) ? 'exited' : undefined), 8000);
    await sleep(100);
    const line = bs.registeredLine(transport);
    const msgs = baresipTrace(bs.stdout, server.port);
    const reg = await registerProblems(msgs, server, { transport, algorithm: 'MD5', wantCodes: [401, 423, 200], askExpires: 30, minExpires: 60 });
    const problems = [...reg.problems];
    if (!line) problems.push(`no "alice@${HOST}: {0/${transport.toUpperCase()}/v4} 200 OK" line from baresip`);
    const ok = msgs.find((m) => m.dir === 'in' && statusOf(m) === 200 && hdr(m, 'call-id') === reg.callId);
    const granted = ok ? /;\s*expires=(\d+)/i.exec(hdrs(ok, 'contact').join(','))?.[1] ?? hdr(ok, 'expires') : undefined;
    if (ok && granted !== '60') problems.push(`200 granted expires ${granted}, expected 60`);
    record(`${tag}  register with Expires 30 -> 423 Min-Expires 60, retry with 60 -> 200 OK`, problems, () => [
      ...(line ? [`client: ${line}`] : [bs.outputTail()]),
      `client trace:\n${msgs.filter((m) => hdr(m, 'call-id') === reg.callId).map((m) => `${brief(m)} expires=${registerExpires(m) ?? ''}`).join('\n')}`,
      server.evidence(reg.callId ? [reg.callId] : []),
    ]);
  } finally {
    await bs.quit(ctrl);
  }
}

// ---- linphonec -----------------------------------------------------------------------------------
/** SIP messages in linphonec's log (-d 6): after "message sent to [..]" / "received [N] new bytes from [..]:". */
function linphoneTrace(log: string): SipMsg[] {
  const msgs: SipMsg[] = [];
  let dir: 'in' | 'out' | undefined;
  let chunk: string[] = [];
  const flush = (): void => {
    if (dir && chunk.length > 0) msgs.push(...parseMessages(chunk.join('\n'), dir));
    chunk = [];
  };
  for (const line of log.replace(/\r/g, '').split('\n')) {
    if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(line)) {
      flush();
      dir = / message sent to \[/.test(line) ? 'out' : / received \[\d+\] new bytes from \[/.test(line) ? 'in' : undefined;
    } else if (dir) {
      chunk.push(line);
    }
  }
  flush();
  return msgs;
}

async function linphone(transport: Transport, server: Sip4xx, sipPort: number, rtpPort: number): Promise<void> {
  const tag = `linphonec ${transport}`;
  const dir = path.join(work, `linphonec-${transport}`);
  mkdirSync(path.join(dir, '.local', 'share', 'linphone'), { recursive: true });
  const rc = path.join(dir, 'linphonerc');
  const logFile = path.join(dir, 'linphonec.log');
  writeFileSync(
    rc,
    fill(readFileSync(path.join(HERE, 'linphonerc.in'), 'utf8'), {
      UDP_PORT: transport === 'udp' ? sipPort : 0,
      TCP_PORT: transport === 'tcp' ? sipPort : 0,
      SERVER_PORT: server.port,
      TRANSPORT: transport,
      RTP_PORT: rtpPort,
    }),
  );
  // HOME / XDG_*: linphonec's database and files stay in the run directory.
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: path.join(dir, '.local', 'share'), XDG_CONFIG_HOME: path.join(dir, '.config') };
  const proc = track(spawn('linphonec', ['-c', rc, '-l', logFile, '-d', '6'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], env }));
  let stdout = '';
  proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  proc.stderr?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  proc.stdin?.on('error', () => undefined);
  const log = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const send = (line: string): void => {
    if (!exited(proc)) proc.stdin?.write(`${line}\n`);
  };
  const outTail = (): string => `linphonec stdout (tail):\n${tail(stdout, 20)}`;
  const logTail = (pattern: RegExp): string =>
    `linphonec log (${pattern.source}):\n${log().split('\n').filter((l) => pattern.test(l)).slice(-15).map((l) => l.slice(24, 220)).join('\n')}`;
  try {
    // 1. register through the digest challenge: SHA-256, the first algorithm sip4xx offers
    const state = await waitFor(() => {
      const m = /moving from state \[LinphoneRegistrationProgress\] to \[(LinphoneRegistration\w+)\]/.exec(log());
      return m?.[1] ?? (exited(proc) ? 'exited' : undefined);
    }, 12_000);
    await sleep(100);
    const reg = await registerProblems(linphoneTrace(log()), server, { transport, algorithm: 'SHA-256', wantCodes: [401, 200], askExpires: 600 });
    const regProblems = [...reg.problems];
    if (state !== 'LinphoneRegistrationOk') regProblems.push(`account state ${state ?? 'unchanged after 12 s'}, expected LinphoneRegistrationOk`);
    record(`${tag}  register alice: 401 digest (SHA-256) -> 200 OK`, regProblems, () => [
      logTail(/RegistrationOk|RegistrationFailed|Register refresher|^SIP\/2\.0|^REGISTER|^Authorization|^WWW-Authenticate/),
      server.evidence(reg.callId ? [reg.callId] : []),
      outTail(),
    ]);

    // 2. a call to busy: 486, which linphonec's stdout only reports as "error" (the reason is in the log)
    const uri = `sip:busy@${HOST}:${server.port};transport=${transport}`;
    const mark = log().length;
    send(`call ${uri}`);
    const end = await waitFor(() => {
      const m = /moving from state LinphoneCall\w+ to (LinphoneCall(?:Error|End|Released|Connected|StreamsRunning))/.exec(log().slice(mark));
      return m?.[1] ?? (exited(proc) ? 'exited' : undefined);
    }, 10_000);
    await sleep(200);
    const problems: string[] = [];
    const msgs = linphoneTrace(log().slice(mark));
    const invite = msgs.find((m) => m.dir === 'out' && isRequest(m, 'INVITE'));
    const callId = invite ? (hdr(invite, 'call-id') ?? '') : '';
    if (!invite) problems.push('linphonec sent no INVITE');
    if (end !== 'LinphoneCallError') problems.push(`call state ${end ?? 'unchanged after 10 s'}, expected LinphoneCallError`);
    if (!/Call \d+ with [^\n]*busy[^\n]* error\./.test(stdout)) problems.push('stdout has no "Call N with <sip:busy@…> error." line');
    const r486 = msgs.find((m) => m.dir === 'in' && hdr(m, 'call-id') === callId && (statusOf(m) ?? 0) >= 300 && statusOf(m) !== 401);
    if (r486?.startLine !== 'SIP/2.0 486 Busy Here') problems.push(`client log: final response "${r486?.startLine ?? 'none'}", expected "SIP/2.0 486 Busy Here"`);
    if (!/receiving call response \[486\]/.test(log().slice(mark))) problems.push('client log has no "receiving call response [486]"');
    const authz = msgs.find((m) => m.dir === 'out' && isRequest(m, 'INVITE') && hdrs(m, 'authorization').length > 0);
    if (!authz) problems.push('linphonec never sent the INVITE with Authorization');
    else if (!/algorithm=SHA-256/i.test(hdr(authz, 'authorization') ?? '')) problems.push('INVITE not authorized with SHA-256');
    problems.push(...expectCodes(`INVITE ${callId}`, await server.codesWhen(2, callId, 'INVITE'), [401, 486]));
    problems.push(...server.transportProblems(callId, transport));
    record(`${tag}  call sip:busy@${HOST} -> 486 Busy Here`, problems, () => [
      `client trace:\n${msgs.filter((m) => hdr(m, 'call-id') === callId).map(brief).join('\n')}`,
      server.evidence([callId]),
      outTail(),
    ]);
  } finally {
    send('quit');
    if (!(await waitExit(proc, 5000))) await stop(proc);
  }
  const all = linphoneTrace(log());
  record(`${tag}  every 401 carried WWW-Authenticate, no request challenged twice`, challengeProblems(all), () => [
    all.filter((m) => statusOf(m) === 401).map(brief).join('\n'),
  ]);
}

// ---- main ----------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const ci = process.env.CI === 'true';
  const haveBaresip = onPath('baresip');
  const haveLinphone = onPath('linphonec');
  for (const [have, tool, pkg] of [[haveBaresip, 'baresip', 'baresip-core'], [haveLinphone, 'linphonec', 'linphone-cli']] as const) {
    if (have) continue;
    if (ci) {
      console.error(`FATAL: ${tool} is not installed, but CI=true: the CI job must install it (apt-get install -y ${pkg}).`);
      record(`setup  ${tool} installed`, [`${tool} missing (apt package ${pkg})`]);
    } else {
      console.error(`${tool} not installed: its cases are skipped. Install with: sudo apt-get install -y ${pkg}`);
    }
  }
  if (!haveBaresip && !haveLinphone) return;
  console.log(
    `clients: ${haveBaresip ? firstLine('baresip', ['-h']).replace(/ Copyright.*/, '') : 'baresip missing'}; ` +
      `${haveLinphone ? `linphonec ${firstLine('linphonec', ['-v']).replace(/^version:\s*/, '')}` : 'linphonec missing'}`,
  );

  work = mkdtempSync(path.join(process.env.TMPDIR ?? os.tmpdir(), 'sip4xx-softphones-'));
  // ports: 2 servers, 4 baresip ctrl_tcp, 2 linphonec SIP, 2 linphonec RTP pairs (even, +1 free too)
  const ports = await freePorts(12);
  const take = (): number => {
    const p = ports.shift();
    if (p === undefined) throw new Error('out of free ports');
    return p;
  };
  const bServer = haveBaresip ? new Sip4xx('baresip, MD5 challenges', take(), ['--auth.algorithms', '[MD5]'], path.join(work, 'sip4xx-baresip.log')) : undefined;
  const lServer = haveLinphone ? new Sip4xx('linphonec, SHA-256 + MD5 challenges', take(), [], path.join(work, 'sip4xx-linphonec.log')) : undefined;
  for (const s of [bServer, lServer]) {
    if (!s) continue;
    const up = await s.ready(20_000);
    record(`setup  sip4xx (${s.label}) listening on ${HOST}:${s.port} UDP+TCP`, up ? [] : ['did not log "listening" within 20 s'], () => [s.tailLog(40)]);
    if (!up) return;
  }

  for (const transport of TRANSPORTS) {
    if (bServer) {
      await baresipCalls(transport, bServer, take());
      await baresip423(transport, bServer, take());
    } else skip(`baresip   ${transport}`, 'baresip not installed');
  }
  for (const transport of TRANSPORTS) {
    if (lServer) await linphone(transport, lServer, take(), take());
    else skip(`linphonec ${transport}`, 'linphonec not installed');
  }
  for (const s of [bServer, lServer]) {
    if (s && !s.alive()) record(`sip4xx (${s.label}) still running after all cases`, ['exited during the run'], () => [s.tailLog(40)]);
  }
}

const watchdog = setTimeout(() => {
  console.log(`FAIL  suite finished within ${SUITE_DEADLINE_MS / 1000} s (still running; stopped)`);
  failed++;
  console.log(`${passed} passed, ${failed} failed`);
  killAllNow();
  process.exit(1);
}, SUITE_DEADLINE_MS);

try {
  await main();
} catch (err) {
  record('suite ran to the end', [`crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`]);
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
console.log(`run time ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
