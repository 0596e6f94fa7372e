/**
 * `npm run bench:memory` (bench/README.md, Memory): a flood of INVITEs to `sip:486@` carrying ~60 KB
 * of Via header fields each — which every response must copy (RFC 3261 §8.2.6.2) — never ACKed, at
 * a steady rate against a sip4xx child process on its default configuration. The server keeps each
 * response for Timer G / H (§17.2.1), so without a byte budget 20,000 of them held 1.38 GB. Reports
 * the server's peak RSS and its transaction table's bytes and evictions (read from /metrics every
 * 500 ms), and probes it with an OPTIONS every second during the flood and after it.
 *
 *   npm run bench:memory                              # 20,000 INVITEs of 60 KB at 1,000/s
 *   npm run bench:memory -- --count 5000 --rate 500 --via-bytes 30000 --max-rss-mb 400
 *
 * Exits 1 when the peak RSS is over --max-rss-mb (400) or a probe went unanswered. Loopback only;
 * bounded in count and time: the child server is killed after MAX_SECONDS, every wait has a limit.
 */
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { exitWith, withCompiledServer } from './compiled-server.js';

const HOST = '127.0.0.1';
const MAX_SECONDS = 600;
const MARK = '##########';

interface MemoryArgs {
  readonly count: number;
  readonly rate: number;
  readonly viaBytes: number;
  readonly maxRssMb: number;
  readonly serverArgs: readonly string[];
}

function memoryArgs(): MemoryArgs {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '20000' },
      rate: { type: 'string', default: '1000' },
      'via-bytes': { type: 'string', default: '60000' },
      'max-rss-mb': { type: 'string', default: '400' },
      'server-arg': { type: 'string', multiple: true, default: [] },
    },
  });
  const a = { count: Number(values.count), rate: Number(values.rate), viaBytes: Number(values['via-bytes']), maxRssMb: Number(values['max-rss-mb']), serverArgs: values['server-arg'] };
  if (!(a.count >= 1 && a.count <= 1_000_000 && a.rate >= 1 && a.rate <= 20_000 && a.viaBytes >= 0 && a.viaBytes <= 63_000 && a.maxRssMb > 0)) {
    throw new Error('--count 1–1,000,000, --rate 1–20,000, --via-bytes 0–63,000 (one UDP datagram), --max-rss-mb > 0');
  }
  return a;
}

/** An INVITE whose branch and Call-ID carry MARK, to be overwritten with a sequence number. */
function template(port: number, viaBytes: number): { bytes: Buffer; at: number[] } {
  const vias: string[] = [];
  for (let i = 0, n = 0; n < viaBytes; i++) {
    const v = `Via: SIP/2.0/UDP 198.51.100.${i % 250}:5060;branch=z9hG4bK-hop-${i};received=198.51.100.${i % 250};x=${'p'.repeat(400)}\r\n`;
    vias.push(v);
    n += v.length;
  }
  const text =
    `INVITE sip:486@${HOST} SIP/2.0\r\nVia: SIP/2.0/UDP ${HOST}:${port};branch=z9hG4bK-mem-${MARK};rport\r\n${vias.join('')}` +
    `Max-Forwards: 70\r\nFrom: <sip:flood@${HOST}>;tag=mem-${MARK}\r\nTo: <sip:486@${HOST}>\r\nCall-ID: mem-${MARK}@${HOST}\r\n` +
    `CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`;
  const at: number[] = [];
  for (let i = text.indexOf(MARK); i !== -1; i = text.indexOf(MARK, i + 1)) at.push(i);
  return { bytes: Buffer.from(text, 'latin1'), at };
}

interface Metrics {
  rss: number;
  txBytes: number;
  transactions: number;
  evictions: number;
  received: number;
  heap: number;
  external: number;
}

async function scrape(adminPort: number): Promise<Metrics> {
  const text = await (await fetch(`http://${HOST}:${adminPort}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
  const read = (name: string): number => {
    const m = new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
    return m === null ? NaN : Number(m[1]);
  };
  return {
    rss: read('sip4xx_process_resident_memory_bytes'),
    txBytes: read('sip4xx_table_bytes{table="transactions"}'),
    transactions: read('sip4xx_transactions'),
    evictions: read('sip4xx_evictions_total{table="transactions"}'),
    received: read('sip4xx_udp_received_total'),
    heap: read('sip4xx_nodejs_heap_size_used_bytes'),
    external: read('sip4xx_nodejs_external_memory_bytes'),
  };
}

/** Sends one OPTIONS from its own socket; true when a 200 comes back within 2 s. */
function probe(port: number, n: number): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 2000);
    s.on('message', (m) => done(m.toString('latin1', 0, 12) === 'SIP/2.0 200 '));
    s.on('error', () => done(false));
    s.bind(0, HOST, () => {
      const lp = s.address().port;
      s.send(
        `OPTIONS sip:${HOST} SIP/2.0\r\nVia: SIP/2.0/UDP ${HOST}:${lp};branch=z9hG4bK-probe-${n}-${Date.now()};rport\r\nMax-Forwards: 70\r\n` +
          `From: <sip:probe@${HOST}>;tag=p${n}\r\nTo: <sip:${HOST}>\r\nCall-ID: probe-${n}-${Date.now()}@${HOST}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
        port,
        HOST,
      );
    });
  });
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1);

async function flood(a: MemoryArgs, port: number, adminPort: number): Promise<number> {
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
  await new Promise<void>((r) => sock.bind(0, HOST, () => r()));
  let finals = 0;
  sock.on('message', (m) => {
    if (m.toString('latin1', 0, 12) === 'SIP/2.0 486 ') finals++;
  });
  const t = template(sock.address().port, a.viaBytes);
  console.log(`memory: ${a.count.toLocaleString('en')} INVITEs of ${t.bytes.length.toLocaleString('en')} B to sip:486@${HOST} at ${a.rate}/s, never ACKed`);
  let peak: Metrics | undefined;
  for (let i = 0; peak === undefined; i++) {
    peak = await scrape(adminPort).catch((err: unknown) => {
      if (i >= 50) throw err; // the admin port: 5 s at most
      return new Promise<undefined>((r) => setTimeout(() => r(undefined), 100));
    });
  }
  console.log(`before: RSS ${mib(peak.rss)} MiB`);
  let last = peak;
  const sampler = setInterval(() => {
    scrape(adminPort).then((m) => {
      last = m;
      if (peak === undefined || m.rss > peak.rss) peak = m;
    }, () => undefined);
  }, 500);
  const probes: boolean[] = [];
  const prober = setInterval(() => void probe(port, probes.length).then((ok) => probes.push(ok)), 1000);
  const started = Date.now();
  let sent = 0;
  try {
    // Paced in 10 ms ticks; bounded by the count and by 3× the nominal duration plus 10 s.
    const deadline = started + (a.count / a.rate) * 3000 + 10_000;
    while (sent < a.count && Date.now() < deadline) {
      const due = Math.min(a.count, Math.floor(((Date.now() - started) / 1000) * a.rate) + 1);
      for (; sent < due; sent++) {
        const digits = String(sent).padStart(MARK.length, '0');
        for (const at of t.at) t.bytes.write(digits, at, 'latin1');
        // dgram sends later: each datagram needs bytes of its own, not the template's.
        sock.send(Buffer.from(t.bytes), port, HOST);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`sent ${sent.toLocaleString('en')} in ${seconds.toFixed(1)} s; waiting 5 s, probing…`);
    await new Promise((r) => setTimeout(r, 5000));
  } finally {
    clearInterval(sampler);
    clearInterval(prober);
  }
  const after: boolean[] = [];
  for (let i = 0; i < 3; i++) after.push(await probe(port, 10_000 + i));
  sock.close();
  const during = probes.filter(Boolean).length;
  const line = (m: Metrics) =>
    `RSS ${mib(m.rss)} MiB (heap ${mib(m.heap)}, external ${mib(m.external)}); received ${m.received}; transactions ${m.transactions} holding ${mib(m.txBytes)} MiB; evictions ${m.evictions}`;
  console.log(`peak:   ${line(peak)}`);
  console.log(`last:   ${line(last)}`);
  console.log(`486 datagrams received (first responses and Timer G): ${finals.toLocaleString('en')}`);
  console.log(`probes: ${during}/${probes.length} answered during, ${after.filter(Boolean).length}/3 after`);
  const ok = peak.rss <= a.maxRssMb * 1e6 && during === probes.length && after.every(Boolean);
  console.log(`result: ${ok ? 'PASS' : 'FAIL'} (peak RSS ${(peak.rss / 1e6).toFixed(0)} MB, limit ${a.maxRssMb} MB)`);
  return ok ? 0 : 1;
}

async function main(): Promise<number> {
  const a = memoryArgs();
  return withCompiledServer({ name: 'memory', host: HOST, maxSeconds: MAX_SECONDS, serverArgs: a.serverArgs }, (port, adminPort) => flood(a, port, adminPort));
}

exitWith(main);
