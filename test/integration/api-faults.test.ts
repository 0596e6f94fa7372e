/**
 * Faults of stubs over real sockets on loopback: drop, provisional-only, close and malformed, each
 * within the RFC timers (a transaction that sends no final ends after 64·T1, Timer H/L; a final
 * is retransmitted by Timer G only). The tests that wait for 64·T1 shorten T1: that timer is their
 * point.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRequest, uniqueBranch } from '../helpers/index.js';
import { apiHarness, type ApiHarness } from './api-harness.js';

const open: ApiHarness[] = [];
const sockets: { close(): void }[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const h of open.splice(0)) await h.close();
});

async function harness(...args: Parameters<typeof apiHarness>): Promise<ApiHarness> {
  const h = await apiHarness(...args);
  open.push(h);
  return h;
}

/** A raw UDP socket collecting every datagram, for responses a parser would refuse. */
async function rawUdp(port: number) {
  const socket = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  sockets.push({ close: () => socket.close() });
  return { port: socket.address().port, got, send: (b: Buffer) => socket.send(b, port, '127.0.0.1') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('stub faults', () => {
  it('drop: no response, retransmissions absorbed, and the transaction ends after 64·T1 (UDP)', async () => {
    const h = await harness({ config: { transactions: { t1Ms: 10 } } });
    await h.stub({ name: 'black hole', match: { user: '^hole$' }, respond: { fault: 'drop' } });
    const c = await rawUdp(h.sip.port);
    const req = buildRequest({ uri: 'sip:hole@127.0.0.1', via: `SIP/2.0/UDP 127.0.0.1:${c.port};branch=${uniqueBranch()};rport` });
    c.send(req);
    await sleep(100);
    c.send(req); // a retransmission: absorbed, still nothing
    await sleep(100);
    expect(c.got).toEqual([]);
    expect(h.sip.server.core.tables.transactions()).toBe(1);
    await expect.poll(() => h.sip.server.core.tables.transactions(), { timeout: 3000, interval: 50 }).toBe(0); // 64·T1 = 640 ms
    expect(c.got).toEqual([]);
    expect(h.sip.log.lines().find((l) => l.msg === 'answered')).toMatchObject({ code: 0, reason: 'fault drop', rule: 'black hole' });
  });

  it('provisional-only: 100 and 180 (To tag, Contact) and never a final; a CANCEL still gets 200 and the INVITE 487 (§9.2)', async () => {
    const h = await harness();
    await h.stub({ match: { user: '^ring$' }, respond: { fault: 'provisional-only' } });
    const c = await h.sip.udpClient();
    const branch = uniqueBranch();
    const via = `SIP/2.0/UDP 127.0.0.1:${c.port};branch=${branch};rport`;
    const inv = buildRequest({ uri: 'sip:ring@127.0.0.1', via, callId: `ring-${branch}` });
    c.send(inv);
    const trying = await c.receive();
    const ringing = await c.receive();
    expect([trying.status, ringing.status]).toEqual([100, 180]);
    expect(ringing.get('To')).toMatch(/;tag=/);
    expect(ringing.get('Contact')).toMatch(/^<sip:/);
    await expect(c.receive(400)).rejects.toThrow(/no UDP response/);
    const from = /\r\nFrom: ([^\r]*)/.exec(inv.toString('latin1'))?.[1] ?? '';
    c.send(buildRequest({ method: 'CANCEL', uri: 'sip:ring@127.0.0.1', via, callId: `ring-${branch}`, from, cseq: '1 CANCEL' }));
    const answers = [await c.receive(), await c.receive()].map((r) => `${r.status} ${r.get('CSeq')}`).sort();
    expect(answers).toEqual(['200 1 CANCEL', '487 1 INVITE']);
  });

  it('close: the TCP connection is closed without a response, and no transaction is left', async () => {
    const h = await harness();
    await h.stub({ match: { user: '^slam$' }, respond: { fault: 'close' } });
    const c = await h.sip.tcpConnect();
    await c.write(buildRequest({ uri: 'sip:slam@127.0.0.1', via: `SIP/2.0/TCP 127.0.0.1:${c.port};branch=${uniqueBranch()}` }));
    await c.closed(2000);
    expect(c.pending()).toBe('');
    expect(h.sip.server.core.tables.transactions()).toBe(0);
  });

  it('malformed over UDP: Content-Length past the body (§18.3: the client MUST discard it), retransmitted by Timer G until Timer H', async () => {
    const h = await harness({ config: { transactions: { t1Ms: 20 } } });
    await h.stub({ match: { user: '^junk$' }, respond: { fault: 'malformed' } });
    const c = await rawUdp(h.sip.port);
    c.send(buildRequest({ uri: 'sip:junk@127.0.0.1', via: `SIP/2.0/UDP 127.0.0.1:${c.port};branch=${uniqueBranch()};rport` }));
    await expect.poll(() => c.got.length, { timeout: 2000 }).toBeGreaterThan(0);
    await expect.poll(() => h.sip.server.core.tables.transactions(), { timeout: 4000, interval: 50 }).toBe(0); // Timer H, 64·T1
    const text = c.got[0]?.toString('latin1') ?? '';
    expect(text.startsWith('SIP/2.0 500 Server Internal Error\r\n')).toBe(true);
    const declared = Number(/\r\nContent-Length: (\d+)\r\n/.exec(text)?.[1]);
    expect(declared).toBe(16);
    expect(text.endsWith('\r\n\r\n')).toBe(true); // the body is empty: 16 bytes promised, none sent
    // Timer G: T1, 2·T1, 4·T1 … capped at T2 (4 s), all within Timer H.
    expect(c.got.length).toBeGreaterThan(3);
    expect(c.got.length).toBeLessThan(12);
    expect(new Set(c.got.map((b) => b.toString('latin1'))).size).toBe(1);
  });

  it('malformed over TCP: a four-digit Status-Code (§7.2: 3DIGIT), framing intact for the next message', async () => {
    const h = await harness();
    await h.stub({ match: { user: '^junk$' }, respond: { fault: 'malformed' } });
    const socket = net.connect({ host: '127.0.0.1', port: h.sip.port });
    sockets.push({ close: () => socket.destroy() });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    let got = '';
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    const via = () => `SIP/2.0/TCP 127.0.0.1:${socket.localPort};branch=${uniqueBranch()}`;
    socket.write(buildRequest({ uri: 'sip:junk@127.0.0.1', via: via() }));
    socket.write(buildRequest({ method: 'OPTIONS', uri: 'sip:127.0.0.1', via: via() }));
    await expect.poll(() => got.includes('SIP/2.0 200 OK'), { timeout: 2000 }).toBe(true);
    expect(got.startsWith('SIP/2.0 5000 Server Internal Error\r\n')).toBe(true);
    const first = got.slice(0, got.indexOf('SIP/2.0 200 OK'));
    expect(first).toMatch(/\r\nContent-Length: 0\r\n\r\n$/);
  });
});
