/**
 * A SIP-over-UDP load generator for loopback benchmarks (bench/README.md, "The generator").
 *
 * - Every request gets a unique Call-ID, From-tag and Via branch; all three carry the request's
 *   sequence number as 10 fixed-width digits after a per-run marker, so a response is matched by one
 *   `Buffer.indexOf` of the marker and 10 digit reads (bench/sip-template.ts).
 * - At most `window` requests are outstanding; with `rate` a token bucket paces the sends.
 * - Bounded by `count` and by `durationLimitMs` (no new sends after it); a request with no final
 *   response within `timeoutMs` is lost, and a guard ends the run `timeoutMs` + 5 s after that.
 * - INVITE: every final non-2xx response, retransmissions included, is ACKed as RFC 3261
 *   §17.1.1.3 says (bench/load-run.ts).
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { LoadRun } from './load-run.js';
import { validate, type LoadOptions, type LoadResult } from './load-options.js';
import { buildTemplate, type Template } from './sip-template.js';

export { isLoopback, type LoadMethod, type LoadOptions, type LoadResult } from './load-options.js';
export type { LatencySummary } from './latency.js';

async function openSocket(family: 'udp4' | 'udp6', localHost: string): Promise<dgram.Socket> {
  const sock = dgram.createSocket({ type: family, recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, localHost, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  return sock;
}

async function connectSocket(sock: dgram.Socket, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.connect(port, host, () => {
      sock.off('error', reject);
      resolve();
    });
  });
}

/** The run's sockets, each with the template that names its own source port in Via and Contact. */
async function openSockets(opts: LoadOptions, host: string, marker: string): Promise<{ sockets: dgram.Socket[]; templates: Template[] }> {
  const v6 = host.includes(':');
  const localHost = v6 ? '::1' : '127.0.0.1';
  const sockets: dgram.Socket[] = [];
  const templates: Template[] = [];
  try {
    for (let i = 0; i < (opts.socketsCount ?? 1); i++) {
      const s = await openSocket(v6 ? 'udp6' : 'udp4', localHost);
      sockets.push(s);
      if (opts.connect ?? true) await connectSocket(s, opts.port, host);
      templates.push(buildTemplate(opts.method, opts.requestUri, marker, localHost, s.address().port));
    }
  } catch (err) {
    for (const s of sockets) s.close();
    throw err;
  }
  return { sockets, templates };
}

/** Run one load: resolves when every request is answered or timed out, or the guard fires. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  validate(opts);
  const host = opts.host === 'localhost' ? '127.0.0.1' : opts.host.replace(/^\[|\]$/g, '');
  const marker = `b${randomBytes(4).toString('hex')}-`;
  const { sockets, templates } = await openSockets(opts, host, marker);

  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const run = new LoadRun(opts, host, sockets, templates, Buffer.from(marker, 'latin1'), () => finish());
  sockets.forEach((s, i) => {
    s.on('message', (msg) => run.onMessage(i, msg));
    s.on('error', () => {
      run.socketErrors++;
    });
  });
  // Housekeeping every few ms: pacing refill, timeouts, the duration limit.
  const tick = setInterval(
    () => {
      run.sweepTimeouts();
      run.pump();
      run.checkDone();
    },
    (opts.rate ?? 0) > 0 ? 1 : 5,
  );
  const guard = setTimeout(() => run.abort(), opts.durationLimitMs + opts.timeoutMs + 5_000);

  run.pump();
  await done;
  clearInterval(tick);
  clearTimeout(guard);
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return run.result();
}
