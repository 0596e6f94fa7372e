/**
 * Log volume does not follow the sender: requests whose fields are 20 KB each (Call-ID, From and
 * To users and display name, Via branch, Request-URI, an extension header) over real UDP and TCP
 * produce no log line over 4 KB at debug (raw messages traced) or info; a flood of un-ACKed INVITEs
 * yields at most 10 "no ACK before Timer H" lines a second and a count of the rest.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildRequest, startTestServer, type TestServer } from '../helpers/index.js';

const BIG = 'x'.repeat(20_000);
let srv: TestServer | undefined;

afterEach(async () => {
  await srv?.close();
  srv = undefined;
});

/** Requests with one 20 KB field each (one at a time, so each fits limits.maxHeaderBytes on TCP). */
function bigRequests(via: (branch: string) => string): Buffer[] {
  const to = '<sip:bob@127.0.0.1>';
  return [
    buildRequest({ method: 'OPTIONS', uri: 'sip:bob@127.0.0.1', via: via('z9hG4bK1'), callId: BIG }),
    buildRequest({ method: 'OPTIONS', uri: 'sip:bob@127.0.0.1', via: via('z9hG4bK2'), from: `"${BIG}" <sip:a@127.0.0.1>;tag=1` }),
    buildRequest({ method: 'OPTIONS', uri: 'sip:bob@127.0.0.1', via: via('z9hG4bK3'), from: `<sip:${BIG}@127.0.0.1>;tag=1` }),
    buildRequest({ method: 'INVITE', uri: 'sip:486@127.0.0.1', via: via('z9hG4bK4'), to: `<sip:${BIG}@127.0.0.1>` }),
    buildRequest({ method: 'OPTIONS', uri: 'sip:bob@127.0.0.1', via: via(`z9hG4bK${BIG}`), to }),
    buildRequest({ method: 'OPTIONS', uri: `sip:${BIG}@127.0.0.1`, via: via('z9hG4bK6'), to }),
    buildRequest({ method: 'OPTIONS', uri: 'sip:bob@127.0.0.1', via: via('z9hG4bK7'), headers: [['X-Long', BIG]] }),
    buildRequest({ method: 'FOO', uri: 'sip:bob@127.0.0.1', via: via('z9hG4bK8'), callId: BIG, cseq: `1 FOO` }),
  ];
}

function expectLinesUnder4K(s: TestServer): void {
  const lines = s.log.lines();
  expect(lines.length).toBeGreaterThan(0);
  for (const l of lines) expect(Buffer.byteLength(JSON.stringify(l))).toBeLessThan(4096);
}

describe('bounded log lines (20 KB fields)', () => {
  for (const level of ['debug', 'info'] as const) {
    it(`UDP and TCP at ${level}: every line under 4 KB, each request answered`, async () => {
      const s = (srv = await startTestServer({ config: { log: { level } } }));
      if (level === 'info') s.log.logger.level = 'info';
      const udp = await s.udpClient();
      for (const req of bigRequests((b) => `SIP/2.0/UDP 127.0.0.1:${udp.port};branch=${b};rport`)) {
        const res = await udp.request(req);
        expect(res.status).toBeGreaterThanOrEqual(200);
      }
      const tcp = await s.tcpConnect();
      for (const req of bigRequests((b) => `SIP/2.0/TCP 127.0.0.1:${tcp.port};branch=${b}`)) {
        const res = await tcp.request(req);
        expect(res.status).toBeGreaterThanOrEqual(200);
      }
      expect(s.log.withMsg('answered')).toHaveLength(16);
      expectLinesUnder4K(s);
    });
  }

  it('30 un-ACKed INVITEs: at most 10 Timer H lines a second, the rest counted as suppressed', async () => {
    const s = (srv = await startTestServer({ config: { transactions: { t1Ms: 10, t2Ms: 40, t4Ms: 50 } } }));
    const udp = await s.udpClient();
    for (let i = 0; i < 30; i++) {
      const res = await udp.request(buildRequest({ method: 'INVITE', uri: 'sip:486@127.0.0.1', via: `SIP/2.0/UDP 127.0.0.1:${udp.port};branch=z9hG4bK${i}${BIG};rport` }));
      expect(res.status).toBe(486);
    }
    // Timer H is 64*T1 = 640 ms; the summary comes when the 1 s window closes. Bounded wait.
    const deadline = Date.now() + 5000;
    const count = () => s.log.withMsg('no ACK before Timer H').length + s.log.withMsg('log lines suppressed').reduce((n, l) => n + Number(l.suppressed), 0);
    while (count() < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(count()).toBe(30);
    expect(s.log.withMsg('no ACK before Timer H').length).toBeLessThanOrEqual(20);
    expect(s.log.withMsg('log lines suppressed').every((l) => l.kind === 'no ACK before Timer H')).toBe(true);
    expectLinesUnder4K(s);
  });
});
