import dgram from 'node:dgram';
import net from 'node:net';
import { HOST } from './transport.js';

function listenTcp(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: HOST, port, exclusive: true }, () => resolve(s));
  });
}

function bindUdp(port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind({ address: HOST, port, exclusive: true }, () => resolve(s));
  });
}

/** N distinct ports, each free for both TCP and UDP on 127.0.0.1 (all held until all are found). */
export async function freePorts(count: number): Promise<number[]> {
  const held: Array<net.Server | dgram.Socket> = [];
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count && attempt < 200; attempt++) {
    const tcp = await listenTcp(0);
    held.push(tcp);
    const port = (tcp.address() as net.AddressInfo).port;
    try {
      held.push(await bindUdp(port));
      ports.push(port);
    } catch {
      // UDP side taken: try another
    }
  }
  for (const s of held) s.close();
  if (ports.length < count) throw new Error(`found only ${ports.length} of ${count} free ports`);
  return ports;
}
