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
 * One sip4xx process on its default configuration, serving UDP and TCP, for both clients: alice is
 * challenged with MD5 alone, which baresip 1.0 needs (its libre 1.1 fails a whole 401 with ENOSYS
 * as soon as any WWW-Authenticate names another algorithm, instead of ignoring that challenge as
 * RFC 8760 §2.3 asks); the demo user sha256 is challenged SHA-256 then MD5 for linphonec.
 *
 * This file is the entry: it finds the clients, starts the servers, runs the cases in order and
 * cleans up. The cases are in baresip-cases.ts and linphone-cases.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { baresip423, baresipCalls, baresipTls } from './baresip-cases.js';
import { killAllNow, stopAll } from './child-processes.js';
import { freePorts } from './free-ports.js';
import { linphoneCases, linphoneTlsCases } from './linphone-cases.js';
import { fail, record, runSuite, skip, summary } from './results.js';
import { Sip4xx } from './sip4xx-process.js';
import { HOST, TRANSPORTS } from './transport.js';

const SUITE_DEADLINE_MS = 170_000; // the whole run stays under 3 minutes
const started = Date.now();
const keepLogs = process.env.SOFTPHONES_KEEP_LOGS === '1';

// ---- cleanup: at the end, on a signal, from the watchdog -----------------------------------------
let work = '';

let cleanedUp = false;
async function cleanup(): Promise<void> {
  if (cleanedUp) return;
  cleanedUp = true;
  await stopAll();
  if (work !== '') {
    if (keepLogs) console.error(`logs kept in ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

/** Last resort on a signal or a crash: synchronous, so it also runs from 'exit'. */
function cleanupNow(): void {
  killAllNow();
  if (work !== '' && !keepLogs) rmSync(work, { recursive: true, force: true });
}

/** End the run at once with one more FAIL line and the summary. */
function abort(failLine: string, exitCode: number): never {
  fail(failLine);
  console.log(summary());
  cleanupNow();
  process.exit(exitCode);
}

process.on('exit', cleanupNow);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => abort(`suite interrupted by ${sig}`, 130));

// ---- the clients ---------------------------------------------------------------------------------
function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.trim() !== '')?.trim() ?? '?';
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
  // ports: the server (UDP+TCP, TLS, WS, WSS), 5 baresip ctrl_tcp, 5 linphonec SIP, 5 linphonec RTP
  const ports = await freePorts(19);
  const take = (): number => {
    const p = ports.shift();
    if (p === undefined) throw new Error('out of free ports');
    return p;
  };
  const sipPort = take();
  const tlsPort = take();
  // Free ports instead of the default 5061, 8088, 8089, so that runs do not clash; nothing else is set.
  const listeners = ['--server.tls.port', String(tlsPort), '--server.ws.port', String(take()), '--server.wss.port', String(take())];
  const server = new Sip4xx('default configuration', sipPort, listeners, path.join(work, 'sip4xx.log'));
  const up = await server.ready(20_000);
  record(`setup  sip4xx (${server.label}) listening on ${HOST}:${server.port} UDP+TCP, TLS ${tlsPort}`, up ? [] : ['did not log "listening" within 20 s'], () => [server.tailLog(40)]);
  if (!up) return;

  for (const transport of TRANSPORTS) {
    if (haveBaresip) {
      await baresipCalls(work, transport, server, take());
      await baresip423(work, transport, server, take());
    } else skip(`baresip   ${transport}`, 'baresip not installed');
  }
  for (const transport of TRANSPORTS) {
    if (haveLinphone) await linphoneCases(work, transport, server, [take(), take(), take(), take()]);
    else skip(`linphonec ${transport}`, 'linphonec not installed');
  }
  if (haveBaresip) await baresipTls(work, server, tlsPort, take());
  else skip('baresip   tls', 'baresip not installed');
  if (haveLinphone) await linphoneTlsCases(work, server, tlsPort, [take(), take()]);
  else skip('linphonec tls', 'linphonec not installed');
  if (!server.alive()) record(`sip4xx (${server.label}) still running after all cases`, ['exited during the run'], () => [server.tailLog(40)]);
}

await runSuite({ main, cleanup, abort, deadlineMs: SUITE_DEADLINE_MS, started });
