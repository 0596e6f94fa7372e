/**
 * Bad input never hurts us (issue 2): mutated SIP messages thrown at a live server over UDP and
 * TCP. Whatever arrives, the server keeps answering valid requests, every answer it gives is a
 * well-formed SIP response, and its tables stay within their bounds.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRequest, startTestServer, type TestServer } from '../helpers/index.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ config: { transactions: { maxTransactions: 500, maxDialogs: 50 } } });
});
afterAll(async () => {
  await srv.close();
});

const SEEDS = [
  buildRequest({ uri: 'sip:486@127.0.0.1' }),
  buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1', headers: { Require: 'foo', Supported: 'timer' } }),
  buildRequest({ method: 'REGISTER', uri: 'sip:127.0.0.1', headers: { Contact: '<sip:x@127.0.0.1:5070>;expires=30', Expires: '30' } }),
  buildRequest({ uri: 'sip:answer@127.0.0.1', headers: { 'Content-Type': 'application/sdp' }, body: 'v=0\r\nm=audio 1 RTP/AVP 0\r\n' }),
  buildRequest({ method: 'BYE', uri: 'sip:answer@127.0.0.1', to: '<sip:answer@127.0.0.1>;tag=x' }),
];

const INSERTS = ['\r\n', '\r', '\n', '\0', '"', '<', '>', ';', ',', ':', '%', '%zz', '99999999999999999999', ' ', '\t', '\r\n ', 'Via: SIP/2.0/UDP', 'Content-Length: 99999', '\u00ff\u00fe'];

/** A mutation: flip, delete, insert, duplicate a line, or truncate — applied to latin1 text. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...INSERTS) }),
  fc.record({ kind: fc.constant('dupline' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(seed: Buffer, muts: readonly Mutation[]): Buffer {
  let s = seed.toString('latin1');
  for (const m of muts) {
    const at = s.length === 0 ? 0 : m.at % s.length;
    switch (m.kind) {
      case 'flip':
        s = s.slice(0, at) + String.fromCharCode(m.byte) + s.slice(at + 1);
        break;
      case 'delete':
        s = s.slice(0, at) + s.slice(at + m.len);
        break;
      case 'insert':
        s = s.slice(0, at) + m.text + s.slice(at);
        break;
      case 'dupline': {
        const lines = s.split('\r\n');
        const i = at % Math.max(1, lines.length);
        lines.splice(i, 0, lines[i] ?? '');
        s = lines.join('\r\n');
        break;
      }
      case 'truncate':
        s = s.slice(0, at);
        break;
    }
  }
  return Buffer.from(s, 'latin1');
}

const message = fc.tuple(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([seed, muts]) => mutate(seed, muts));

/** Well-formed enough: a status line, CRLF-terminated headers, and a Content-Length that fits. */
function assertWellFormedResponse(text: string): void {
  expect(text).toMatch(/^SIP\/2\.0 [1-6]\d\d [^\r\n]*\r\n/);
  const headEnd = text.indexOf('\r\n\r\n');
  expect(headEnd).toBeGreaterThan(0);
  const cl = /\r\nContent-Length: (\d+)\r\n/.exec(text.slice(0, headEnd + 2));
  expect(cl).not.toBeNull();
  expect(text.length - headEnd - 4).toBe(Number(cl?.[1]));
}

describe('a live server under mutated input', () => {
  it('answers every UDP datagram with a well-formed response or nothing, and keeps serving', async () => {
    const client = await srv.udpClient();
    const answers: string[] = [];
    const sock = client as unknown as { receive(ms: number): Promise<{ text: string }> };
    await fc.assert(
      fc.asyncProperty(message, async (bytes) => {
        client.send(bytes);
        // Collect whatever comes back quickly; silence is a valid outcome (drops, ACKs).
        try {
          for (;;) answers.push((await sock.receive(15)).text);
        } catch {
          /* no more answers for now */
        }
      }),
      { numRuns: 400 },
    );
    // Most mutations still leave something answerable (often a 400 naming the fault).
    expect(answers.length).toBeGreaterThan(100);
    expect(answers.some((a) => a.startsWith('SIP/2.0 400 '))).toBe(true);
    for (const a of answers) assertWellFormedResponse(a);
    await client.close();
    // Still alive and correct afterwards.
    const after = await srv.udpRequest(buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1' }));
    expect(after.status).toBe(200);
    expect(srv.server.core.tables.transactions()).toBeLessThanOrEqual(500);
    expect(srv.server.core.tables.dialogs()).toBeLessThanOrEqual(50);
  }, 60_000);

  it('survives mutated TCP streams written in random chunks, and keeps serving new connections', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }), async (msgs, cuts) => {
        const conn = await srv.tcpConnect();
        const stream = Buffer.concat(msgs);
        let pos = 0;
        for (let i = 0; pos < stream.length; i++) {
          const n = cuts[i % cuts.length] as number;
          await conn.write(stream.subarray(pos, pos + n)).catch(() => undefined);
          pos += n;
        }
        conn.close();
      }),
      { numRuns: 60 },
    );
    const conn = await srv.tcpConnect();
    const ok = await conn.request(buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1', via: `SIP/2.0/TCP 127.0.0.1:${conn.port};branch=z9hG4bKfuzzok` }));
    expect(ok.status).toBe(200);
    conn.close();
  }, 60_000);
});
