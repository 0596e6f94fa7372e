// Small network helpers for test/peers/run.sh (plain Node, no dependencies).
//
//   node test/peers/net.mjs free-ports N          prints N distinct ports, one per line, each free
//                                                 for both UDP and TCP on 127.0.0.1
//   node test/peers/net.mjs wait-ready PORT MS [PID]
//                                                 exits 0 once a SIP OPTIONS over UDP to
//                                                 127.0.0.1:PORT gets a final response and a TCP
//                                                 connection to it is accepted; exits 1 after MS,
//                                                 or at once when process PID has exited
import dgram from 'node:dgram';
import net from 'node:net';
import crypto from 'node:crypto';
import process from 'node:process';
import { setTimeout, clearTimeout } from 'node:timers';

const HOST = '127.0.0.1';

function listenTcp(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: HOST, port, exclusive: true }, () => resolve(server));
  });
}

function bindUdp(port) {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind({ address: HOST, port, exclusive: true }, () => resolve(socket));
  });
}

// Hold every socket open until all N ports are found, so the N ports are distinct.
async function freePorts(count) {
  const held = [];
  const ports = [];
  for (let attempt = 0; ports.length < count && attempt < 200; attempt++) {
    const tcp = await listenTcp(0);
    const port = tcp.address().port;
    try {
      held.push(tcp, await bindUdp(port));
      ports.push(port);
    } catch {
      held.push(tcp); // UDP side taken: keep this one closed to us and try another
    }
  }
  for (const s of held) s.close();
  if (ports.length < count) throw new Error(`found only ${ports.length} of ${count} free ports`);
  return ports;
}

function optionsOverUdp(port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const done = (ok) => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('error', () => done(false));
    socket.on('message', (msg) => {
      if (/^SIP\/2\.0 [2-6]\d\d /.test(msg.toString('latin1'))) done(true);
    });
    socket.bind(0, HOST, () => {
      const local = socket.address().port;
      const id = crypto.randomBytes(6).toString('hex');
      const request = [
        `OPTIONS sip:${HOST}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${HOST}:${local};branch=z9hG4bK-probe-${id};rport`,
        'Max-Forwards: 70',
        `From: <sip:probe@${HOST}:${local}>;tag=${id}`,
        `To: <sip:${HOST}:${port}>`,
        `Call-ID: probe-${id}@${HOST}`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      socket.send(request, port, HOST);
    });
  });
}

function tcpAccepts(port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    const done = (ok) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function alive(pid) {
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitReady(port, totalMs, pid) {
  const deadline = Date.now() + totalMs;
  while (Date.now() < deadline && alive(pid)) {
    if ((await optionsOverUdp(port, 300)) && (await tcpAccepts(port, 300))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

const [command, arg1, arg2, arg3] = process.argv.slice(2);
if (command === 'free-ports') {
  const ports = await freePorts(Number(arg1 ?? 1));
  process.stdout.write(ports.join('\n') + '\n');
} else if (command === 'wait-ready') {
  process.exit((await waitReady(Number(arg1), Number(arg2 ?? 15000), Number(arg3 ?? 0))) ? 0 : 1);
} else {
  process.stderr.write('usage: net.mjs free-ports N | wait-ready PORT MS [PID]\n');
  process.exit(2);
}
