/**
 * sip4xx behind a real Kamailio (RFC 3261 §16): a stock-style proxy Record-Routes the INVITE and
 * routes in-dialog requests by loose_route to the Contact sip4xx gave in its 2xx. The ACK and the
 * BYE reach sip4xx only when that Contact names sip4xx's own address (§12.1.1), not the
 * Request-URI host (the proxy). Also: a SIPp client that follows a 302 is not redirected in a
 * loop (§8.3). sip4xx runs on its default configuration (a free port, admin endpoint off).
 *
 *   npm run test:proxy          (or: node --import tsx test/proxy/run.ts)
 *
 * Prints one PASS/FAIL line per case and, last, exactly one line "N passed, N failed"; exits
 * non-zero if anything failed (a missing kamailio or sipp is a failure). Every process it starts
 * is stopped by pid at the end, on a signal, or by the watchdog. PROXY_KEEP_LOGS=1 keeps the run
 * directory (logs, kamailio.cfg).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { exited, killAllNow, stop, stopAll, track, waitExit } from '../softphones/child-processes.js';
import { freePorts } from '../softphones/free-ports.js';
import { waitFor } from '../softphones/wait-for.js';
import { kamailioCfg } from './kamailio-cfg.js';
import { probeOptions } from './probe.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const DEADLINE_MS = 120_000;
const keep = process.env.PROXY_KEEP_LOGS === '1';
const work = mkdtempSync(path.join(os.tmpdir(), 'sip4xx-proxy-'));

let passed = 0;
let failed = 0;
function record(name: string, problems: readonly string[]): void {
  if (problems.length === 0) {
    passed++;
    console.log(`PASS ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}: ${problems.join('; ')}`);
  }
}

async function finish(): Promise<never> {
  await stopAll();
  if (keep) console.log(`logs kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

const watchdog = setTimeout(() => {
  record('suite finished within its deadline', [`still running after ${DEADLINE_MS / 1000} s`]);
  killAllNow();
  void finish();
}, DEADLINE_MS);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    killAllNow();
    process.exit(130);
  });
}
process.once('exit', killAllNow);

/** A child whose stdout and stderr go to a log file and, line by line, to `lines`. */
function launch(cmd: string, args: readonly string[], log: string, lines: string[], cwd = work): ChildProcess {
  const child = track(spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
  const file = createWriteStream(path.join(work, log));
  let partial = '';
  const onData = (chunk: Buffer): void => {
    file.write(chunk);
    partial += chunk.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    // Bounded: a runaway child cannot grow the runner's memory past 20,000 lines.
    for (const l of parts) if (lines.length < 20_000) lines.push(l);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return child;
}

interface Answered {
  readonly msg?: string;
  readonly method?: string;
  readonly callId?: string;
  readonly code?: number;
  readonly transport?: string;
}

function answered(lines: readonly string[], callIdPrefix: string): Answered[] {
  const out: Answered[] = [];
  for (const l of lines) {
    if (!l.startsWith('{')) continue;
    try {
      const j = JSON.parse(l) as Answered;
      if (j.msg === 'answered' && typeof j.callId === 'string' && j.callId.startsWith(callIdPrefix)) out.push(j);
    } catch {
      // not a log line (a crash trace): left for the log file
    }
  }
  return out;
}

function runSipp(name: string, target: string, scenario: string, transport: 'u1' | 't1', sippPort: number, cid: string, extra: string[] = []): string[] {
  const args = [target, '-sf', path.join(HERE, 'scenarios', scenario), '-t', transport, '-i', '127.0.0.1', '-p', String(sippPort),
    '-m', '1', '-timeout', '20s', '-timeout_error', '-nostdin', '-cid_str', `${cid}%u-%p@%s`, '-trace_err', '-trace_msg', ...extra];
  const r = spawnSync('sipp', args, { cwd: work, timeout: 30_000, encoding: 'utf8' });
  writeFileSync(path.join(work, `sipp-${name}.out`), `${r.stdout ?? ''}\n${r.stderr ?? ''}`);
  if (r.error !== undefined) return [`sipp did not run: ${r.error.message}`];
  return r.status === 0 ? [] : [`sipp exited ${r.status ?? r.signal} (see sipp-${name}.out, *_errors.log in the run directory)`];
}

async function main(): Promise<void> {
  const missing = ['kamailio', 'sipp'].filter((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0);
  if (missing.length > 0) {
    record('clients installed', [`missing ${missing.join(', ')} (apt-get install kamailio sip-tester)`]);
    return;
  }
  const [proxyPort, sip4xxPort, sippPort] = await freePorts(3);
  if (proxyPort === undefined || sip4xxPort === undefined || sippPort === undefined) throw new Error('no free ports');

  // sip4xx on its defaults: host 0.0.0.0 (UDP answers from a wildcard bind), UDP and TCP.
  const sipLines: string[] = [];
  const sip4xx = launch(process.execPath, ['--import', 'tsx', 'src/main.ts', '--port', String(sip4xxPort), '--admin-port', '0'], 'sip4xx.log', sipLines, REPO);
  const up = await waitFor(() => (exited(sip4xx) ? 'dead' : sipLines.some((l) => l.includes('"msg":"listening"')) && 'up'), 15_000);
  record('sip4xx starts on its defaults', up === 'up' ? [] : ['no "listening" line within 15 s']);
  if (up !== 'up') return;

  const cfg = path.join(work, 'kamailio.cfg');
  writeFileSync(cfg, kamailioCfg({ proxy: proxyPort, sip4xx: sip4xxPort }, work));
  const kamLines: string[] = [];
  const kamailio = launch('kamailio', ['-f', cfg, '-DD', '-E', '-P', path.join(work, 'kamailio.pid'), '-Y', work, '-w', work, '-m', '32', '-M', '4'], 'kamailio.log', kamLines);
  // Ready when an OPTIONS through it comes back (forwarded to sip4xx, which answers 200).
  const ready = await probeOptions(proxyPort, 20, 500);
  record('kamailio starts and forwards an OPTIONS to sip4xx', ready === 200 ? [] : [`OPTIONS through kamailio: ${ready ?? 'no answer'}${exited(kamailio) ? ', kamailio exited' : ''}`]);
  if (ready !== 200) return;

  for (const [t, flag] of [['udp', 'u1'], ['tcp', 't1']] as const) {
    const cid = `proxy-${t}-`;
    const problems = runSipp(`call-${t}`, `127.0.0.1:${proxyPort}`, 'call-through-proxy.xml', flag, sippPort, cid);
    // The log line can trail SIPp's exit by a moment; bounded wait for the BYE's.
    await waitFor(() => answered(sipLines, cid).some((a) => a.method === 'BYE'), 2000);
    const got = answered(sipLines, cid).map((a) => `${a.method} ${a.code} ${a.transport}`);
    const want = [`INVITE 200 ${t}`, `INVITE 200 ${t}`, `BYE 200 ${t}`];
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`sip4xx answered [${got.join(', ')}], expected [${want.join(', ')}] (a re-INVITE before our 2xx's ACK is 491, §14.2)`);
    record(`kamailio ${t}  INVITE answer → 200 → ACK → re-INVITE 200 → BYE 200, all reaching sip4xx`, problems);
  }

  const cid = 'loop-udp-';
  const problems = runSipp('loop-udp', `127.0.0.1:${sip4xxPort}`, 'follow-302-no-loop.xml', 'u1', sippPort, cid, ['-au', 'bob', '-ap', 'secret']);
  await waitFor(() => answered(sipLines, cid).filter((a) => a.method === 'INVITE').length >= 2, 2000);
  const invites = answered(sipLines, cid).filter((a) => a.method === 'INVITE').map((a) => a.code);
  if (JSON.stringify(invites) !== '[302,404]') problems.push(`sip4xx answered the INVITEs [${invites.join(', ')}], expected [302, 404]`);
  record('sip4xx udp  a client following a 302 to a Contact naming sip4xx gets 404, not a 302 to itself (§8.3)', problems);

  await stop(kamailio, 3000);
  const kamGone = await waitExit(kamailio, 1000);
  await stop(sip4xx, 5000);
  record('kamailio and sip4xx stop on SIGTERM', kamGone && exited(sip4xx) ? [] : ['a process outlived SIGTERM and was killed']);
}

main()
  .catch((err: unknown) => record('runner', [err instanceof Error ? err.message : String(err)]))
  .finally(() => {
    clearTimeout(watchdog);
    void finish();
  });
