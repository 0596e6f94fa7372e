/**
 * `npm run bench:soak` (bench/README.md): a long run of unique INVITEs (each ACKed by the
 * generator) at a steady rate against a sip4xx child process, then a wait past Timer I / H.
 * Reports RSS and the transaction and dialog tables before, at the peak and after, read from the
 * server's own /metrics — the tables must come back to near zero once the timers have run.
 *
 *   npm run bench:soak                       # 1,000,000 INVITEs at 4,000/s (about 4 minutes)
 *   npm run bench:soak -- --count 200000 --rate 5000
 *
 * Loopback only; bounded in count and time (the child server is killed after MAX_SECONDS).
 */
import { parseArgs } from 'node:util';
import { exitWith, withCompiledServer } from './compiled-server.js';
import { runLoad } from './load.js';

const HOST = '127.0.0.1';
const MAX_SECONDS = 1800;

interface SoakArgs {
  readonly total: number;
  readonly rate: number;
  readonly chunk: number;
  readonly settleSeconds: number;
}

function soakArgs(): SoakArgs {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '1000000' },
      rate: { type: 'string', default: '4000' },
      chunk: { type: 'string', default: '100000' },
      settle: { type: 'string', default: '45' },
    },
  });
  const total = Number(values.count);
  return { total, rate: Number(values.rate), chunk: Math.min(Number(values.chunk), total), settleSeconds: Number(values.settle) };
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

/** Polls /metrics until the server answers (10 s at most). */
async function waitUp(adminPort: number): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await snapshot(adminPort);
      return;
    } catch {
      if (i > 100) throw new Error('server did not come up');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

interface Totals {
  sent: number;
  answered: number;
  lost: number;
  worstP99: number;
  peak: Snapshot;
}

/** The load, in chunks of `chunk` INVITEs, with a /metrics snapshot after each. */
async function load(a: SoakArgs, port: number, adminPort: number, before: Snapshot): Promise<Totals> {
  const t: Totals = { sent: 0, answered: 0, lost: 0, worstP99: 0, peak: before };
  while (t.sent < a.total) {
    const n = Math.min(a.chunk, a.total - t.sent);
    const r = await runLoad({
      host: HOST,
      port,
      method: 'INVITE',
      requestUri: `sip:486@${HOST}`,
      count: n,
      rate: a.rate,
      window: 256,
      timeoutMs: 2000,
      durationLimitMs: Math.ceil((n / a.rate) * 1000 * 3) + 10_000,
      socketsCount: 4,
    });
    t.sent += r.sent;
    t.answered += r.answered;
    t.lost += r.lost;
    t.worstP99 = Math.max(t.worstP99, r.latencyMs.p99);
    const s = await snapshot(adminPort);
    if (s.rssMiB > t.peak.rssMiB) t.peak = s;
    console.log(
      `  ${t.sent.toLocaleString('en').padStart(9)} sent, ${r.rps.toFixed(0)}/s, lost ${r.lost}, p99 ${r.latencyMs.p99.toFixed(2)} ms — ${fmt(s)}`,
    );
    if (r.sent === 0) break;
  }
  return t;
}

async function soak(a: SoakArgs, port: number, adminPort: number): Promise<number> {
  await waitUp(adminPort);
  const before = await snapshot(adminPort);
  console.log(`soak: ${a.total.toLocaleString('en')} INVITEs to sip:486@${HOST} at ${a.rate}/s, each ACKed (§17.1.1.3)`);
  console.log(`before:  ${fmt(before)}`);
  const started = Date.now();
  const t = await load(a, port, adminPort, before);
  const loadSeconds = (Date.now() - started) / 1000;
  console.log(`peak:    ${fmt(t.peak)}`);
  // Timer I (T4 = 5 s) ends ACKed INVITE transactions; Timer H (64·T1 = 32 s) any never ACKed.
  console.log(`waiting ${a.settleSeconds} s for Timer I / Timer H…`);
  await new Promise((r) => setTimeout(r, a.settleSeconds * 1000));
  const after = await snapshot(adminPort);
  console.log(`after:   ${fmt(after)}`);
  console.log(
    `result: ${t.sent.toLocaleString('en')} sent, ${t.answered.toLocaleString('en')} answered, ${t.lost} lost in ${loadSeconds.toFixed(0)} s; ` +
      `worst chunk p99 ${t.worstP99.toFixed(2)} ms; RSS ${before.rssMiB.toFixed(0)} → peak ${t.peak.rssMiB.toFixed(0)} → ${after.rssMiB.toFixed(0)} MiB; ` +
      `transactions ${t.peak.transactions} at peak → ${after.transactions}`,
  );
  // The tables must drain: anything left after Timer H is a leak.
  return after.transactions <= 10 && after.dialogs === 0 && t.lost === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  const a = soakArgs();
  return withCompiledServer({ name: 'soak', host: HOST, maxSeconds: MAX_SECONDS }, (port, adminPort) => soak(a, port, adminPort));
}

exitWith(main);
