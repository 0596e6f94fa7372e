/**
 * Soak (issue 3): a long run of unique INVITEs (each ACKed by the generator) at a steady rate
 * against a sip4xx child process, then a wait past Timer I / H. Reports RSS and the transaction and
 * dialog tables before, at the peak and after, read from the server's own /metrics — the tables
 * must come back to near zero once the timers have run.
 *
 *   npm run bench:soak                       # 1,000,000 INVITEs at 4,000/s (about 4 minutes)
 *   npm run bench:soak -- --count 200000 --rate 5000
 *
 * Loopback only; bounded in count and time (the child server is killed after MAX_SECONDS).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad, type LoadResult } from './load.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const HOST = '127.0.0.1';
const MAX_SECONDS = 1800;

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    rate: { type: 'string', default: '4000' },
    chunk: { type: 'string', default: '100000' },
    settle: { type: 'string', default: '45' },
  },
});
const total = Number(values.count);
const rate = Number(values.rate);
const chunk = Math.min(Number(values.chunk), total);
const settleSeconds = Number(values.settle);

async function freePort(): Promise<number> {
  for (;;) {
    const srv = net.createServer();
    const port = await new Promise<number>((r) => srv.listen(0, HOST, () => r((srv.address() as net.AddressInfo).port)));
    await new Promise<void>((r) => srv.close(() => r()));
    const udp = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((r) => {
      udp.once('error', () => r(false));
      udp.bind(port, HOST, () => r(true));
    });
    if (ok) {
      await new Promise<void>((r) => udp.close(() => r()));
      return port;
    }
  }
}

interface Snapshot {
  rssMiB: number;
  heapMiB: number;
  transactions: number;
  dialogs: number;
}

async function snapshot(adminPort: number): Promise<Snapshot> {
  const text = await (await fetch(`http://${HOST}:${adminPort}/metrics`)).text();
  const read = (name: string): number => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return m === null ? NaN : Number(m[1]);
  };
  return {
    rssMiB: read('sip4xx_process_resident_memory_bytes') / 2 ** 20,
    heapMiB: read('sip4xx_nodejs_heap_size_used_bytes') / 2 ** 20,
    transactions: read('sip4xx_transactions'),
    dialogs: read('sip4xx_dialogs'),
  };
}

function fmt(s: Snapshot): string {
  return `RSS ${s.rssMiB.toFixed(1)} MiB, heap used ${s.heapMiB.toFixed(1)} MiB, transactions ${s.transactions}, dialogs ${s.dialogs}`;
}

/** Compile src/ with tsc into a scratch dir laid out like the repository (as the image runs it). */
function build(): string {
  const dir = path.join(os.tmpdir(), `sip4xx-soak-build-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', path.join(dir, 'src')], { cwd: ROOT });
  for (const name of ['config', 'package.json', 'node_modules']) symlinkSync(path.join(ROOT, name), path.join(dir, name));
  return dir;
}

async function main(): Promise<number> {
  const dir = build();
  const port = await freePort();
  const adminPort = await freePort();
  const child = spawn(
    'timeout',
    ['-k', '5', String(MAX_SECONDS), process.execPath, '--initial-old-space-size=64', path.join(dir, 'src', 'main.js'), '--host', HOST, '--port', String(port), '--admin-port', String(adminPort), '--log-level', 'warn'],
    { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  try {
    for (let i = 0; ; i++) {
      try {
        await snapshot(adminPort);
        break;
      } catch {
        if (i > 100) throw new Error('server did not come up');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const before = await snapshot(adminPort);
    console.log(`soak: ${total.toLocaleString('en')} INVITEs to sip:486@${HOST} at ${rate}/s, each ACKed (§17.1.1.3)`);
    console.log(`before:  ${fmt(before)}`);
    let peak = before;
    let sent = 0;
    let answered = 0;
    let lost = 0;
    const p99s: number[] = [];
    const started = Date.now();
    while (sent < total) {
      const n = Math.min(chunk, total - sent);
      const r: LoadResult = await runLoad({
        host: HOST,
        port,
        method: 'INVITE',
        requestUri: `sip:486@${HOST}`,
        count: n,
        rate,
        window: 256,
        timeoutMs: 2000,
        durationLimitMs: Math.ceil((n / rate) * 1000 * 3) + 10_000,
        socketsCount: 4,
      });
      sent += r.sent;
      answered += r.answered;
      lost += r.lost;
      p99s.push(r.latencyMs.p99);
      const s = await snapshot(adminPort);
      if (s.rssMiB > peak.rssMiB) peak = s;
      console.log(
        `  ${sent.toLocaleString('en').padStart(9)} sent, ${r.rps.toFixed(0)}/s, lost ${r.lost}, p99 ${r.latencyMs.p99.toFixed(2)} ms — ${fmt(s)}`,
      );
      if (r.sent === 0) break;
    }
    const loadSeconds = (Date.now() - started) / 1000;
    console.log(`peak:    ${fmt(peak)}`);
    // Timer I (T4 = 5 s) ends ACKed INVITE transactions; Timer H (64·T1 = 32 s) any never ACKed.
    console.log(`waiting ${settleSeconds} s for Timer I / Timer H…`);
    await new Promise((r) => setTimeout(r, settleSeconds * 1000));
    const after = await snapshot(adminPort);
    console.log(`after:   ${fmt(after)}`);
    console.log(
      `result: ${sent.toLocaleString('en')} sent, ${answered.toLocaleString('en')} answered, ${lost} lost in ${loadSeconds.toFixed(0)} s; ` +
        `worst chunk p99 ${Math.max(...p99s).toFixed(2)} ms; RSS ${before.rssMiB.toFixed(0)} → peak ${peak.rssMiB.toFixed(0)} → ${after.rssMiB.toFixed(0)} MiB; ` +
        `transactions ${peak.transactions} at peak → ${after.transactions}`,
    );
    // The tables must drain: anything left after Timer H is a leak.
    return after.transactions <= 10 && after.dialogs === 0 && lost === 0 ? 0 : 1;
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
