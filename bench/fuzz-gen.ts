/**
 * Fuzzed SIP messages for `npm run fuzz`: the seeds and mutations of
 * test/integration/fuzz-socket.test.ts (flip a byte, delete, insert a troublesome token, duplicate
 * a line, truncate), drawn from a seeded PRNG instead of fast-check so a million cost little and a
 * run can be repeated from its seed.
 */

const HOST = '127.0.0.1';

function request(method: string, uri: string, extra: string, body = ''): string {
  return (
    `${method} ${uri} SIP/2.0\r\nVia: SIP/2.0/UDP ${HOST}:5070;branch=z9hG4bKfz;rport\r\nMax-Forwards: 70\r\n` +
    `From: "Carol" <sip:carol@${HOST}>;tag=f1\r\nTo: <sip:bob@${HOST}>\r\nCall-ID: fz@${HOST}\r\nCSeq: 1 ${method}\r\n` +
    `${extra}Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`
  );
}

export const SEEDS: readonly string[] = [
  request('INVITE', `sip:486@${HOST}`, ''),
  request('OPTIONS', `sip:${HOST}`, 'Require: foo\r\nSupported: timer\r\n'),
  request('REGISTER', `sip:${HOST}`, `Contact: <sip:x@${HOST}:5070>;expires=30\r\nExpires: 30\r\n`),
  request('INVITE', `sip:answer@${HOST}`, 'Content-Type: application/sdp\r\n', 'v=0\r\nm=audio 1 RTP/AVP 0\r\n'),
  request('BYE', `sip:answer@${HOST}`, '').replace(`To: <sip:bob@${HOST}>`, `To: <sip:answer@${HOST}>;tag=x`),
];

const INSERTS = ['\r\n', '\r', '\n', '\0', '"', '<', '>', ';', ',', ':', '%', '%zz', '99999999999999999999', ' ', '\t', '\r\n ', 'Via: SIP/2.0/UDP', 'Content-Length: 99999', '\u00ff\u00fe'];

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One fuzzed message: a seed with a unique Call-ID and branch, then 1–5 mutations. */
export function fuzzed(rand: () => number, n: number): Buffer {
  const int = (max: number): number => Math.floor(rand() * max);
  let s = (SEEDS[int(SEEDS.length)] ?? '').replace('fz@', `fz${n}@`).replace('z9hG4bKfz', `z9hG4bKfz${n}`);
  for (let k = 1 + int(5); k > 0; k--) {
    const at = s.length === 0 ? 0 : int(s.length);
    switch (int(5)) {
      case 0:
        s = s.slice(0, at) + String.fromCharCode(int(256)) + s.slice(at + 1);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at + 1 + int(40));
        break;
      case 2:
        s = s.slice(0, at) + (INSERTS[int(INSERTS.length)] ?? '') + s.slice(at);
        break;
      case 3: {
        const lines = s.split('\r\n');
        const i = at % Math.max(1, lines.length);
        lines.splice(i, 0, lines[i] ?? '');
        s = lines.join('\r\n');
        break;
      }
      default:
        s = s.slice(0, at);
    }
  }
  return Buffer.from(s, 'latin1');
}

/** A valid OPTIONS probe whose answer proves the server still serves (transport in the Via). */
export function probe(transport: 'UDP' | 'TCP', port: number, n: number): Buffer {
  return Buffer.from(
    `OPTIONS sip:${HOST} SIP/2.0\r\nVia: SIP/2.0/${transport} ${HOST}:${port};branch=z9hG4bKprobe${n};rport\r\nMax-Forwards: 70\r\n` +
      `From: <sip:probe@${HOST}>;tag=p${n}\r\nTo: <sip:${HOST}>\r\nCall-ID: probe-${n}@${HOST}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
    'latin1',
  );
}
