/**
 * Kamailio as a reference target for the workers scenario (bench/README.md, "Workers and
 * Kamailio"): a minimal configuration, written to a scratch directory, that answers every INVITE
 * 486 Busy Here statefully with the tm module, as sip4xx does — tm retransmits the 486 over UDP
 * until the ACK (RFC 3261 §17.2.1, Timer G), absorbs the ACK (`t_check_trans`) and keeps the
 * transaction for Timer I — and anything else 404 statelessly (the readiness probe's OPTIONS).
 * It listens on UDP only, on a free loopback port, with `children` UDP receiver processes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adopt, attachOutput, makeStop, type Child } from './children.js';
import { childPids } from './cpu.js';
import { freePort, waitForSip } from './net-probe.js';
import { progress } from './output.js';

const MAX_SECONDS = 900;
/**
 * Shared memory for tm's transactions, MB. Each INVITE transaction (the request cloned into shared
 * memory, the 486 kept for retransmission) held ~8 KB here, and lives 5 s after its ACK (Timer I,
 * tm's wait_timer): 20,000/s keeps ~100,000 alive, ~0.8 GB. Pages are touched only as used.
 */
const SHM_MB = 2048;

export interface KamailioInfo {
  /** `kamailio -v`'s first line, e.g. "version: kamailio 5.6.3 (x86_64/linux)". */
  readonly version: string;
  readonly binary: string;
}

/** The installed Kamailio, or undefined when `kamailio` is not on PATH. */
export function findKamailio(): KamailioInfo | undefined {
  try {
    const v = execFileSync('kamailio', ['-v'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    return { version: (v.split('\n')[0] ?? '').trim(), binary: 'kamailio' };
  } catch {
    return undefined;
  }
}

/** The whole configuration: INVITE → stateful 486, ACK absorbed by its transaction, rest → 404. */
export function kamailioConfig(host: string, port: number, children: number): string {
  return `#!KAMAILIO
debug=1
log_stderror=yes
children=${children}
listen=udp:${host}:${port}
disable_tcp=yes
auto_aliases=no
loadmodule "tm.so"
loadmodule "sl.so"

request_route {
  if (method == "ACK") {
    # The ACK of our 486 (RFC 3261 §17.1.1.3): tm matches it to its transaction and absorbs it.
    t_check_trans();
    exit;
  }
  if (method == "INVITE") {
    # t_newtran absorbs a retransmitted INVITE (its transaction resends the 486) and ends here.
    t_newtran();
    t_reply("486", "Busy Here");
    exit;
  }
  sl_send_reply("404", "Not Found");
}
`;
}

/** Starts Kamailio under `timeout`, waits until it answers, and registers it to be stopped. */
export async function spawnKamailio(children: number, verbose: boolean): Promise<Child> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sip4xx-bench-kamailio-'));
  const cfg = path.join(dir, 'kamailio.cfg');
  writeFileSync(cfg, kamailioConfig(host, port, children));
  // -DD: stay in the foreground (children still forked); -E: log to stderr; -Y, -P: runtime files in dir.
  const args = ['-f', cfg, '-DD', '-E', '-Y', dir, '-P', path.join(dir, 'kamailio.pid'), '-m', String(SHM_MB), '-M', '8'];
  progress(`starting Kamailio: kamailio ${args.join(' ')}`);
  const proc = spawn('timeout', ['-k', '5', String(MAX_SECONDS), 'kamailio', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = attachOutput(proc, verbose);
  const stopProc = makeStop(proc);
  const stop = async (): Promise<void> => {
    await stopProc();
    rmSync(dir, { recursive: true, force: true });
  };
  const child: Child = { host, port, proc, workPid: undefined, output, stop };
  adopt(child);
  let exited = false;
  proc.once('exit', () => (exited = true));
  try {
    await waitForSip(host, port, 20_000, () => !exited);
  } catch (err) {
    await stop();
    throw new Error(`Kamailio did not answer: ${err instanceof Error ? err.message : String(err)}\n${output()}`, { cause: err });
  }
  child.workPid = proc.pid === undefined ? undefined : childPids(proc.pid)[0];
  return child;
}
