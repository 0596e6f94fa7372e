/**
 * The probes behind the container HEALTHCHECK (healthcheck.ts): GET /healthz, or, with the admin
 * endpoint off, an OPTIONS request to the SIP port (RFC 3261 §11). Each is bounded by a timeout.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import type { HealthTarget } from './health-target.js';

export interface ProbeResult {
  readonly healthy: boolean;
  readonly detail: string;
}

/** Responses read back are cut here: a status line is all the probe needs. */
const MAX_REPLY_BYTES = 4096;

export function probe(target: HealthTarget, timeoutMs: number): Promise<ProbeResult> {
  return target.kind === 'http' ? probeHttp(target.url, timeoutMs) : probeSip(target, timeoutMs);
}

async function probeHttp(url: string, timeoutMs: number): Promise<ProbeResult> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.text()).slice(0, 256);
    return { healthy: res.status === 200, detail: `GET ${url}: ${res.status} ${body}` };
  } catch (err) {
    return { healthy: false, detail: `GET ${url}: ${(err as Error).message}` };
  }
}

/**
 * §11: an OPTIONS asks a server for its capabilities; any response but 503 (refusing while it
 * drains, §21.5.4) shows the SIP stack parsed a request and answered it.
 */
function optionsRequest(transport: 'udp' | 'tcp', host: string, port: number, local: { address: string; port: number }): { text: string; callId: string } {
  const id = randomBytes(8).toString('hex');
  const h = (a: string) => (a.includes(':') ? `[${a}]` : a);
  const callId = `health-${id}`;
  const lines = [
    `OPTIONS sip:${h(host)}:${port} SIP/2.0`,
    `Via: SIP/2.0/${transport.toUpperCase()} ${h(local.address)}:${local.port};branch=z9hG4bK${id};rport`,
    'Max-Forwards: 70',
    `From: <sip:healthcheck@${h(local.address)}>;tag=${id}`,
    `To: <sip:${h(host)}:${port}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'User-Agent: sip4xx-healthcheck',
    'Content-Length: 0',
    '',
    '',
  ];
  return { text: lines.join('\r\n'), callId };
}

/** The status code of a response carrying `callId`, or undefined. */
function statusOf(reply: string, callId: string): number | undefined {
  const m = /^SIP\/2\.0 (\d{3}) /.exec(reply);
  if (m === null || !reply.includes(callId)) return undefined;
  return Number(m[1]);
}

function verdict(status: number, where: string): ProbeResult {
  return { healthy: status !== 503 && status >= 200, detail: `OPTIONS ${where}: ${status}` };
}

function probeSip(t: Extract<HealthTarget, { kind: 'sip' }>, timeoutMs: number): Promise<ProbeResult> {
  const where = `sip:${t.host}:${t.port} over ${t.transport}`;
  return new Promise((resolve) => {
    const cleanups: (() => void)[] = [];
    const finish = (r: ProbeResult) => {
      for (const c of cleanups.splice(0)) c();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ healthy: false, detail: `OPTIONS ${where}: no answer within ${timeoutMs} ms` }), timeoutMs);
    cleanups.push(() => clearTimeout(timer));
    const onReply = (data: Buffer, callId: string) => {
      const status = statusOf(data.toString('latin1', 0, Math.min(data.length, MAX_REPLY_BYTES)), callId);
      if (status !== undefined && status >= 200) finish(verdict(status, where));
    };
    if (t.transport === 'udp') {
      const socket = dgram.createSocket(net.isIPv6(t.host) ? 'udp6' : 'udp4');
      cleanups.push(() => socket.close());
      socket.on('error', (err) => finish({ healthy: false, detail: `OPTIONS ${where}: ${err.message}` }));
      socket.bind(0, t.host, () => {
        const { text, callId } = optionsRequest('udp', t.host, t.port, socket.address());
        socket.on('message', (data) => onReply(data, callId));
        // §17.1.2.2: retransmit at T1 (500 ms), doubling, until the timeout.
        let interval = 500;
        const send = () => {
          socket.send(Buffer.from(text, 'latin1'), t.port, t.host);
          const again = setTimeout(send, interval);
          interval *= 2;
          cleanups.push(() => clearTimeout(again));
        };
        send();
      });
      return;
    }
    const socket = net.connect({ host: t.host, port: t.port });
    cleanups.push(() => socket.destroy());
    socket.on('error', (err) => finish({ healthy: false, detail: `OPTIONS ${where}: ${err.message}` }));
    socket.on('connect', () => {
      const { text, callId } = optionsRequest('tcp', t.host, t.port, { address: socket.localAddress ?? t.host, port: socket.localPort ?? 0 });
      let got = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]).subarray(0, MAX_REPLY_BYTES);
        onReply(got, callId);
      });
      socket.write(text, 'latin1');
    });
  });
}
