/** Loopback helpers for the processes the bench starts: a free port, and waiting until SIP answers. */
import dgram from 'node:dgram';
import net from 'node:net';

/** A port free for both UDP and TCP on `host` (the server listens on both). */
export async function freePort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, host, () => resolve(udp.address().port));
    });
    const tcpOk = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
    await new Promise<void>((r) => udp.close(() => r()));
    if (tcpOk) return port;
  }
  throw new Error('no free port found');
}

function probe(host: string, lport: number, n: number): Buffer {
  return Buffer.from(
    `OPTIONS sip:nobody@${host} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.1:${lport};branch=z9hG4bKprobe${n};rport\r\n` +
      'Max-Forwards: 70\r\n' +
      `From: <sip:bench@127.0.0.1>;tag=probe${n}\r\n` +
      `To: <sip:nobody@${host}>\r\n` +
      `Call-ID: probe-${n}-${process.pid}@127.0.0.1\r\n` +
      'CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
    'latin1',
  );
}

/** Sends an OPTIONS every 200 ms until any SIP response comes back, for `timeoutMs` at most. */
export async function waitForSip(host: string, port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const lport = sock.address().port;
  sock.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let n = 0;
      const deadline = Date.now() + timeoutMs;
      const send = (): void => {
        if (!alive()) return reject(new Error('the server exited before answering'));
        if (Date.now() > deadline) return reject(new Error(`no SIP response from ${host}:${port} within ${timeoutMs} ms`));
        sock.send(probe(host, lport, ++n), port, host);
      };
      timer = setInterval(send, 200);
      sock.once('message', () => resolve());
      send();
    });
  } finally {
    clearInterval(timer);
    sock.close();
  }
}
