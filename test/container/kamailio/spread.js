// The `dispatcher` profile's check that the balancer routes by the To URI (docs/ARCHITECTURE.md,
// "Past one machine"). `node spread.js send HOST PORT`: an OPTIONS to each of sip:u0 … sip:u15,
// twice, through the balancer; exit 1 unless all 32 get a final response. `node spread.js check A B`: A and
// B are what each replica's journal holds (GET /api/requests?method=OPTIONS, JSON); exit 1 unless
// each user's two requests are on one replica and both replicas have some.
import dgram from 'node:dgram';
import { setTimeout } from 'node:timers';

const USERS = 16;

function send(host, port) {
  const s = dgram.createSocket('udp4');
  const answered = new Set();
  s.on('message', (m) => {
    const id = /\r\nCall-ID:\s*(\S+)/i.exec(m.toString('latin1'));
    // Any final response: the users are unknown to the replicas (404); where it went is the point.
    if (/^SIP\/2\.0 [2-6]\d\d /.test(m.toString('latin1')) && id) answered.add(id[1]);
  });
  s.bind(0, () => {
    const lp = s.address().port;
    for (let rep = 0; rep < 2; rep++) {
      for (let u = 0; u < USERS; u++) {
        const id = `spread-${u}-${rep}-${process.pid}`;
        const msg = `OPTIONS sip:u${u}@${host} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK${id};rport\r\n` +
          `Max-Forwards: 70\r\nFrom: <sip:spread@127.0.0.1>;tag=${id}\r\nTo: <sip:u${u}@${host}>\r\nCall-ID: ${id}\r\n` +
          'CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n';
        s.send(msg, port, host);
      }
    }
    setTimeout(() => {
      s.close();
      console.log(`${answered.size} of ${2 * USERS} answered`);
      process.exit(answered.size === 2 * USERS ? 0 : 1);
    }, 3000);
  });
}

function users(json) {
  const count = new Map();
  for (const e of JSON.parse(json).requests) {
    if (/^u\d+$/.test(e.toUser ?? '')) count.set(e.toUser, (count.get(e.toUser) ?? 0) + 1);
  }
  return count;
}

function check(a, b) {
  const [ua, ub] = [users(a), users(b)];
  console.log(`replica a: ${[...ua.keys()].join(' ')}\nreplica b: ${[...ub.keys()].join(' ')}`);
  let ok = ua.size > 0 && ub.size > 0;
  for (let u = 0; u < USERS; u++) {
    const name = `u${u}`;
    const where = [ua.get(name) ?? 0, ub.get(name) ?? 0];
    if (!((where[0] === 2 && where[1] === 0) || (where[0] === 0 && where[1] === 2))) {
      console.log(`${name}: ${where[0]} on a, ${where[1]} on b`);
      ok = false;
    }
  }
  process.exit(ok ? 0 : 1);
}

const [mode, x, y] = process.argv.slice(2);
if (mode === 'send') send(x, Number(y));
else if (mode === 'check') check(x, y);
else {
  console.error('usage: spread.js send HOST PORT | check JSON-A JSON-B');
  process.exit(2);
}
