/** An OPTIONS over UDP to 127.0.0.1:port, retried; the status of the first answer (bounded). */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';

export async function probeOptions(port: number, tries: number, everyMs: number): Promise<number | undefined> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const local = socket.address().port;
  try {
    return await new Promise<number | undefined>((resolve) => {
      let sent = 0;
      const send = (): void => {
        if (sent++ >= tries) {
          clearInterval(timer);
          resolve(undefined);
          return;
        }
        const id = randomBytes(6).toString('hex');
        const msg = [
          `OPTIONS sip:127.0.0.1:${port} SIP/2.0`,
          `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${id};rport`,
          'Max-Forwards: 70',
          `From: <sip:probe@127.0.0.1>;tag=${id}`,
          `To: <sip:127.0.0.1:${port}>`,
          `Call-ID: probe-${id}@127.0.0.1`,
          'CSeq: 1 OPTIONS',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
        socket.send(msg, port, '127.0.0.1');
      };
      const timer = setInterval(send, everyMs);
      socket.on('message', (data) => {
        const m = /^SIP\/2\.0 (\d{3}) /.exec(data.toString('latin1'));
        if (m === null || m[1] === '100') return;
        clearInterval(timer);
        resolve(Number(m[1]));
      });
      send();
    });
  } finally {
    socket.close();
  }
}
