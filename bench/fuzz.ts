/**
 * npm run fuzz: 1,000,000 fuzzed UDP datagrams and 100,000 fuzzed TCP messages (bench/fuzz-gen.ts)
 * at a spawned server on its defaults (loopback, free ports), with a valid OPTIONS probe every
 * 10,000 datagrams and every 5,000 TCP messages. Passes when the server never exits, every probe
 * is answered (3 tries, 1 s each), and once its tables drain (Timers H, J: 64·T1 = 32 s) and its
 * connections close, its RSS is back within 20 % of the baseline: the server warmed up on valid
 * traffic (the journal full, as it stays), idle, before any hostile message. RSS is also reported
 * cold (before any message) and at its peak (sampled every second). Every loop is bounded; the run
 * stops itself after MAX_RUN_MS and stops its server on every exit.
 *
 * The fuzz begins with 1,100 connections from 127.0.0.1 held with keep-alives, while an OPTIONS over
 * TCP from 127.0.0.2 must still be answered (limits.tcp.maxConnectionsPerAddress).
 *
 *   npm run fuzz [-- --datagrams N --tcp N --hold N --seed N]
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { parseCli } from './args.js';
import { cleanUp, spawnServer, type Child } from './children.js';
import { freePort } from './net-probe.js';
import { fuzzed, probe, prng } from './fuzz-gen.js';
import { peakSampler, rssMiB, tableMetrics } from './fuzz-metrics.js';

const MAX_RUN_MS = 15 * 60_000;
const UDP_PROBE_EVERY = 10_000;
const TCP_PROBE_EVERY = 5_000;
const TCP_CONNECTIONS = 16;
const BATCH = 250;
const DRAIN_MAX_MS = 120_000;
const WARM_UP = 20_000;

function opt(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? undefined : Number(process.argv[i + 1]);
  return v !== undefined && Number.isInteger(v) && v >= 0 ? v : def;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends an OPTIONS probe over UDP until answered: 3 tries, 1 s each. */
async function udpProbe(sock: dgram.Socket, child: Child, n: number): Promise<boolean> {
  const callId = `probe-${n}@`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const answered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => done(false), 1000);
      const onMsg = (m: Buffer) => {
        if (m.toString('latin1').includes(callId)) done(true);
      };
      const done = (v: boolean) => {
        clearTimeout(timer);
        sock.off('message', onMsg);
        resolve(v);
      };
      sock.on('message', onMsg);
    });
    sock.send(probe('UDP', sock.address().port, n), child.port, child.host);
    if (await answered) return true;
  }
  return false;
}

/**
 * One OPTIONS probe on a fresh TCP connection (from `localAddress`), answered within 3 s — with any
 * response carrying its Call-ID, or with `only200` a 200.
 */
function tcpProbe(child: Child, n: number, localAddress?: string, only200 = false): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: child.host, port: child.port, ...(localAddress === undefined ? {} : { localAddress }) });
    let got = '';
    const done = (v: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(false), 3000);
    s.on('connect', () => s.write(probe('TCP', s.localPort ?? 0, n)));
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes(`probe-${n}@`) && got.includes('\r\n\r\n')) done(!only200 || got.startsWith('SIP/2.0 200 '));
    });
    s.on('error', () => done(false));
  });
}

/**
 * 1,100 connections from 127.0.0.1 held with CRLFCRLF keep-alives (RFC 5626 §3.5.1): how many the
 * server kept, and whether an OPTIONS over TCP from 127.0.0.2 was still answered.
 */
async function holdPhase(child: Child, count: number): Promise<{ held: number; otherAnswered: boolean }> {
  const sockets: net.Socket[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const s = net.connect({ host: child.host, port: child.port, localAddress: '127.0.0.1' });
      s.on('error', () => {});
      s.on('data', () => {});
      sockets.push(s);
    }
    await sleep(1000);
    for (const s of sockets) if (!s.destroyed) s.write('\r\n\r\n');
    await sleep(1000);
    const held = sockets.filter((s) => !s.destroyed).length;
    const otherAnswered = await tcpProbe(child, 8_000_000, '127.0.0.2', true);
    return { held, otherAnswered };
  } finally {
    for (const s of sockets) s.destroy();
  }
}

async function udpPhase(child: Child, total: number, rand: () => number, probes: { sent: number; missed: number }): Promise<number> {
  const fuzzSock = dgram.createSocket('udp4');
  const probeSock = dgram.createSocket('udp4');
  fuzzSock.on('message', () => {});
  await new Promise<void>((r) => fuzzSock.bind(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => probeSock.bind(0, '127.0.0.1', () => r()));
  let sent = 0;
  try {
    while (sent < total) {
      const n = Math.min(BATCH, total - sent);
      await new Promise<void>((resolve) => {
        for (let i = 0; i < n; i++) fuzzSock.send(fuzzed(rand, sent + i), child.port, child.host, i === n - 1 ? () => resolve() : undefined);
      });
      sent += n;
      if (sent % UDP_PROBE_EVERY === 0) {
        probes.sent++;
        if (!(await udpProbe(probeSock, child, sent))) probes.missed++;
      }
    }
  } finally {
    fuzzSock.close();
    probeSock.close();
  }
  return sent;
}

/** One fuzzing connection: writes its share, reconnecting (bounded) when the server closes it. */
async function tcpWriter(child: Child, share: number, rand: () => number, base: number, stats: { reconnects: number }): Promise<void> {
  let s: net.Socket | undefined;
  for (let i = 0; i < share; i++) {
    if (s === undefined || s.destroyed) {
      if (s !== undefined) stats.reconnects++;
      s = net.connect({ host: child.host, port: child.port });
      s.on('error', () => {});
      s.on('data', () => {});
      await new Promise<void>((r) => {
        s?.once('connect', () => r());
        s?.once('close', () => r());
      });
    }
    if (!s.write(fuzzed(rand, base + i))) await Promise.race([new Promise((r) => s?.once('drain', r)), new Promise((r) => s?.once('close', r)), sleep(2000)]);
  }
  s?.destroy();
}

async function tcpPhase(child: Child, total: number, rand: () => number, probes: { sent: number; missed: number }, stats: { reconnects: number }): Promise<void> {
  const per = TCP_PROBE_EVERY;
  for (let done = 0; done < total; done += per) {
    const chunk = Math.min(per, total - done);
    const share = Math.ceil(chunk / TCP_CONNECTIONS);
    await Promise.all(Array.from({ length: TCP_CONNECTIONS }, (_, k) => tcpWriter(child, Math.min(share, Math.max(0, chunk - k * share)), rand, 2_000_000 + done + k * share, stats)));
    probes.sent++;
    if (!(await tcpProbe(child, 3_000_000 + done))) probes.missed++;
  }
}

async function main(): Promise<number> {
  const datagrams = opt('datagrams', 1_000_000);
  const tcpMessages = opt('tcp', 100_000);
  const seed = opt('seed', 4242);
  const args = parseCli([]);
  if (args === undefined) return 2;
  // The admin endpoint on a free port, to read the tables' gauges after the drain.
  const adminPort = await freePort('127.0.0.1');
  args.serverArgs = ['--admin-port', String(adminPort)];
  const stopper = setTimeout(() => {
    process.stderr.write(`fuzz: over ${MAX_RUN_MS / 60_000} minutes, stopping\n`);
    void cleanUp().then(() => process.exit(3));
  }, MAX_RUN_MS);
  stopper.unref();
  const child = await spawnServer(args, undefined);
  const rssCold = rssMiB(child.workPid);
  let exited = false;
  child.proc.once('exit', () => void (exited = true));
  const rand = prng(seed);
  const udpProbes = { sent: 0, missed: 0 };
  const tcpProbes = { sent: 0, missed: 0 };
  const stats = { reconnects: 0 };
  // Warm up on valid traffic so the baseline is a server that has served: 20,000 OPTIONS fill the
  // request journal (journal.maxEntries), which by design stays full rather than draining.
  const warm = dgram.createSocket('udp4');
  warm.on('message', () => {});
  await new Promise<void>((r) => warm.bind(0, '127.0.0.1', () => r()));
  for (let i = 0; i < WARM_UP; i += BATCH) {
    await new Promise<void>((resolve) => {
      for (let k = 0; k < BATCH; k++) warm.send(probe('UDP', warm.address().port, 9_000_000 + i + k), child.port, child.host, k === BATCH - 1 ? () => resolve() : undefined);
    });
    await sleep(5);
  }
  warm.close();
  // The baseline is taken once the warm-up's transactions have ended (Timer J, 64·T1), bounded,
  // before the first hostile message: the held connections are part of the fuzz.
  for (let i = 0; i < 60 && ((await tableMetrics(adminPort))['sip4xx_transactions'] ?? 1) > 0; i++) await sleep(1000);
  const rssStart = rssMiB(child.workPid);
  const tablesAtStart = await tableMetrics(adminPort);
  const peak = peakSampler(child.workPid);
  const hold = await holdPhase(child, opt('hold', 1100));
  const t0 = Date.now();
  await udpPhase(child, datagrams, rand, udpProbes);
  const udpSeconds = (Date.now() - t0) / 1000;
  const t1 = Date.now();
  await tcpPhase(child, tcpMessages, rand, tcpProbes, stats);
  const tcpSeconds = (Date.now() - t1) / 1000;
  const rssAfterFuzz = rssMiB(child.workPid);
  const rssPeak = peak.stop();
  const drainStart = Date.now();
  let rssEnd = rssMiB(child.workPid);
  let tables = await tableMetrics(adminPort);
  const drained = (t: Record<string, number>) => (t['sip4xx_transactions'] ?? 0) === 0 && (t['sip4xx_tcp_connections'] ?? 0) === 0;
  while (!exited && (rssEnd > rssStart * 1.2 || !drained(tables)) && Date.now() - drainStart < DRAIN_MAX_MS) {
    await sleep(2000);
    rssEnd = rssMiB(child.workPid);
    tables = await tableMetrics(adminPort);
  }
  const drainSeconds = (Date.now() - drainStart) / 1000;
  const result = {
    seed,
    hold,
    datagrams,
    udpSeconds,
    tcpMessages,
    tcpSeconds,
    tcpReconnects: stats.reconnects,
    udpProbes,
    tcpProbes,
    crashed: exited,
    rssColdMiB: Math.round(rssCold),
    rssStartMiB: Math.round(rssStart),
    rssPeakMiB: Math.round(rssPeak),
    rssAfterFuzzMiB: Math.round(rssAfterFuzz),
    rssEndMiB: Math.round(rssEnd),
    drainSeconds,
    tablesAtStart,
    tablesAfterDrain: tables,
  };
  const ok = !exited && hold.otherAnswered && udpProbes.missed === 0 && tcpProbes.missed === 0 && drained(tables) && rssEnd <= rssStart * 1.2;
  process.stdout.write(`${JSON.stringify(result, null, 2)}\nfuzz: ${ok ? 'PASS' : 'FAIL'}\n`);
  if (!ok && exited) process.stdout.write(`--- server output ---\n${child.output()}\n`);
  clearTimeout(stopper);
  return ok ? 0 : 1;
}

main()
  .then(async (code) => {
    await cleanUp();
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    process.stderr.write(`fuzz: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await cleanUp();
    process.exit(2);
  });
