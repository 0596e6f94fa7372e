/**
 * The process ends on SIGTERM whatever became of its stdout: a pipe nobody reads (it fills up) or
 * a pipe whose reader has gone (`npm start | head -3`). Both used to keep the process alive after
 * 'stopped', retrying the last log write for ever.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultTree } from '../../src/config/load.js';
import { buildRequest, freePort, udpClientFor, type UdpClient } from '../helpers/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DRAIN_TIMEOUT_MS = (defaultTree().server as { drainTimeoutMs: number }).drainTimeoutMs;
/** The process's own margin past the drain timeout (main.ts), plus slack for a loaded test machine. */
const BOUND_MS = DRAIN_TIMEOUT_MS + 2000 + 1000;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function spawnServer(port: number): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--host', '127.0.0.1', '--port', String(port), '--admin-port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(child);
  return child;
}

/** OPTIONS until the server answers: it is listening. Bounded to 100 tries, 100 ms apart. */
async function waitServing(client: UdpClient): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await client.request(buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1' }), 100);
      return;
    } catch {
      // not bound yet
    }
  }
  throw new Error('server never answered');
}

/** Sends `n` OPTIONS in batches, each answered: every answer is one `answered` log line. */
async function answerMany(client: UdpClient, n: number): Promise<number> {
  let answered = 0;
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: 50 }, () => client.request(buildRequest({ method: 'OPTIONS', uri: `sip:486@127.0.0.1` }), 2000));
    for (const r of await Promise.all(batch)) if (r.status === 486) answered++;
  }
  return answered;
}

function exitWithin(child: ChildProcess, ms: number): Promise<{ code: number | null; elapsedMs: number }> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running ${ms} ms after SIGTERM`)), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, elapsedMs: Date.now() - start });
    });
  });
}

describe('stopping with a stdout nobody takes', () => {
  it('exits 0 on SIGTERM within the drain timeout while its stdout pipe is full and unread', async () => {
    const port = await freePort();
    const child = spawnServer(port); // stdout is a pipe this test never reads
    const client = await udpClientFor('127.0.0.1', port);
    await waitServing(client);
    // ~1.5 MB of log lines, far past the pipe's 64 KiB and node's read-ahead: the pipe is full.
    // The server must go on answering all the same.
    expect(await answerMany(client, 5000)).toBe(5000);
    await client.close();
    child.kill('SIGTERM');
    const { code } = await exitWithin(child, BOUND_MS);
    expect(code).toBe(0);
  }, 60_000);

  it('exits 0 on SIGTERM within the drain timeout after its stdout reader has gone (EPIPE)', async () => {
    const port = await freePort();
    const child = spawnServer(port);
    const client = await udpClientFor('127.0.0.1', port);
    await waitServing(client);
    // The reader reads the first lines and goes away, as `| head -3` does.
    child.stdout?.destroy();
    expect(await answerMany(client, 200)).toBe(200);
    await client.close();
    child.kill('SIGTERM');
    const { code } = await exitWithin(child, BOUND_MS);
    expect(code).toBe(0);
  }, 30_000);
});
