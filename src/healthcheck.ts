/**
 * The container HEALTHCHECK (Dockerfile): `node dist/healthcheck.js`. It reads the server's
 * command line, environment and working directory from /proc (PID 1 in the container, or else the
 * first process running a sip4xx main script), resolves the configuration exactly as the server
 * did (admin/health-target.ts) and probes /healthz, or the SIP port when the admin endpoint is
 * off. Exit 0 healthy, 1 not; one line on stdout says what was probed.
 */
import { readdirSync } from 'node:fs';
import { probe } from './admin/health-probe.js';
import { healthTarget, readServerProcess, type ServerProcess } from './admin/health-target.js';

const TIMEOUT_MS = 2500;
/** Processes looked at when PID 1 is not the server (an init such as tini runs it). */
const MAX_PROCESSES = 4096;

function findServer(): ServerProcess | undefined {
  const first = readServerProcess('1');
  if (first !== undefined) return first;
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d) && d !== '1' && d !== String(process.pid));
  for (const pid of pids.slice(0, MAX_PROCESSES)) {
    const found = readServerProcess(pid);
    if (found !== undefined) return found;
  }
  return undefined;
}

async function main(): Promise<number> {
  const server = findServer();
  if (server === undefined) {
    process.stdout.write('unhealthy: no sip4xx server process found in /proc\n');
    return 1;
  }
  let target;
  try {
    target = healthTarget(server);
  } catch (err) {
    process.stdout.write(`unhealthy: ${(err as Error).message.slice(0, 512)}\n`);
    return 1;
  }
  const result = await probe(target, TIMEOUT_MS);
  process.stdout.write(`${result.healthy ? 'healthy' : 'unhealthy'}: ${result.detail}\n`);
  return result.healthy ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stdout.write(`unhealthy: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
