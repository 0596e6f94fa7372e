/**
 * A bare dgram "SIP server" to calibrate the load generator: it answers every request but ACK with
 * a canned `SIP/2.0 404 Not Found` whose Via, From, To (plus a tag), Call-ID and CSeq lines are
 * copied from the request by prefix match — no real parsing. Whatever rate the generator reaches
 * against it is the generator's own ceiling on this machine.
 *
 * Standalone: `node --import tsx bench/reflector.ts [--port 0] [--host 127.0.0.1] [--max-seconds 600]`
 * prints `REFLECTOR LISTENING <port>` and exits on SIGTERM/SIGINT, when stdin closes (its parent is
 * gone) or after --max-seconds.
 */
import dgram from 'node:dgram';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export interface Reflector {
  readonly port: number;
  /** Requests answered so far. */
  readonly answered: () => number;
  close(): Promise<void>;
}

const COPY = /^(?:via|v|from|f|to|t|call-id|i|cseq)[ \t]*:/i;
const TO = /^(?:to|t)[ \t]*:/i;

/** The canned 404 for one request, or undefined for an ACK or something that is not a request. */
export function reflect(msg: Buffer): Buffer | undefined {
  // ACK gets no response; a response (starts with "SIP/") neither.
  if (msg.length < 8 || (msg[0] === 0x41 && msg[1] === 0x43 && msg[2] === 0x4b && msg[3] === 0x20)) return undefined;
  if (msg[0] === 0x53 && msg[1] === 0x49 && msg[2] === 0x50 && msg[3] === 0x2f) return undefined;
  const text = msg.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  let out = 'SIP/2.0 404 Not Found\r\n';
  const lines = head.split('\r\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!COPY.test(line)) continue;
    out += line;
    if (TO.test(line) && !line.includes(';tag=')) out += ';tag=reflector';
    out += '\r\n';
  }
  out += 'Server: sip4xx-bench-reflector\r\nContent-Length: 0\r\n\r\n';
  return Buffer.from(out, 'latin1');
}

export async function startReflector(opts: { host?: string; port?: number } = {}): Promise<Reflector> {
  const host = opts.host ?? '127.0.0.1';
  const sock = dgram.createSocket({
    type: host.includes(':') ? 'udp6' : 'udp4',
    recvBufferSize: 4 << 20,
    sendBufferSize: 4 << 20,
  });
  let answered = 0;
  sock.on('message', (msg, rinfo) => {
    const res = reflect(msg);
    if (res === undefined) return;
    answered++;
    sock.send(res, rinfo.port, rinfo.address);
  });
  sock.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(opts.port ?? 0, host, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  return {
    port: sock.address().port,
    answered: () => answered,
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'max-seconds': { type: 'string', default: '600' },
    },
  });
  const r = await startReflector({ host: values.host, port: Number(values.port) });
  process.stdout.write(`REFLECTOR LISTENING ${r.port}\n`);
  const stop = (): void => {
    void r.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  setTimeout(stop, Math.max(1, Number(values['max-seconds'])) * 1000).unref();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
