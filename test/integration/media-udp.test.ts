/**
 * Answered calls over real UDP on loopback: the RTP a caller sends to the port of our SDP comes
 * back to the address of its offer (README "Media"), a hold re-INVITE is answered recvonly with
 * the same o= session id and the next version (RFC 3264 §6.1, §8), BYE frees the port, a late
 * offer is answered in the ACK (RFC 3264 §5, RFC 3261 §13.2.1), and a BYE outside any dialog gets
 * 481 (§15.1.2).
 */
import dgram from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRequest, uniqueBranch, uniqueCallId } from '../helpers/sip-request.js';
import type { ParsedResponse } from '../helpers/sip-response.js';
import { startTestServer, type TestServer, type UdpClient } from '../helpers/test-server.js';

/**
 * A free even port to start the media range at. Only the range is set: test files run in parallel,
 * each with its own server, and must not all claim the default range's first port.
 */
async function freeEvenPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p - (p % 2);
}

interface Socket {
  readonly port: number;
  readonly socket: dgram.Socket;
  /** The next datagram, or undefined after `ms`. */
  next(ms: number): Promise<Buffer | undefined>;
  /**
   * The echo of `packet`, skipping the frames the server sends of its own once a call is ACKed
   * (RTP under another SSRC, src/media/rtp-source.ts), which are returned as `own`; undefined when no
   * echo comes within `ms`.
   */
  echoOf(packet: Buffer, ms: number): Promise<{ echo: Buffer | undefined; own: Buffer[] }>;
  /** Forget what has arrived so far. */
  drain(): void;
  close(): Promise<void>;
}

async function openSocket(port = 0): Promise<Socket> {
  const socket = dgram.createSocket('udp4');
  const queue: Buffer[] = [];
  let waiter: ((b: Buffer) => void) | undefined;
  socket.on('message', (m) => (waiter === undefined ? queue.push(m) : waiter(m)));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve());
  });
  const next = (ms: number): Promise<Buffer | undefined> => {
    const queued = queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiter = undefined;
        resolve(undefined);
      }, ms);
      waiter = (b) => {
        clearTimeout(timer);
        waiter = undefined;
        resolve(b);
      };
    });
  };
  return {
    port: socket.address().port,
    socket,
    next,
    async echoOf(packet, ms) {
      const own: Buffer[] = [];
      const deadline = Date.now() + ms;
      for (;;) {
        const b = await next(Math.max(1, deadline - Date.now()));
        if (b === undefined || b.equals(packet)) return { echo: b, own };
        if (b.length < 12 || b[0] !== 0x80 || b.readUInt32BE(8) === packet.readUInt32BE(8)) throw new Error(`neither the echo nor a frame of the server's own: ${b.toString('hex')}`);
        own.push(b);
      }
    },
    drain: () => void queue.splice(0),
    close: () => new Promise((r) => socket.close(() => r())),
  };
}

/** RFC 3550 §5.1: version 2, PCMU, sequence `seq`, 160 bytes of payload. */
const rtp = (seq: number): Buffer => Buffer.concat([Buffer.from([0x80, 0, 0, seq, 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78]), Buffer.alloc(160, seq)]);

const sdpLines = (res: ParsedResponse): string[] => res.body.toString('latin1').split('\r\n');
const mediaPort = (res: ParsedResponse): number => Number(sdpLines(res).find((l) => l.startsWith('m=audio '))?.split(' ')[1]);
const origin = (res: ParsedResponse): string[] => (sdpLines(res).find((l) => l.startsWith('o=')) ?? '').split(' ');

let srv: TestServer;
let client: UdpClient;
const opened: Socket[] = [];
beforeAll(async () => {
  const base = await freeEvenPort();
  srv = await startTestServer({ config: { media: { portMin: base, portMax: base + 40 } } });
  client = await srv.udpClient();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await client?.close();
  await srv?.close();
});

async function socket(port = 0): Promise<Socket> {
  const s = await openSocket(port);
  opened.push(s);
  return s;
}

function offer(port: number, direction = 'sendrecv'): string {
  return ['v=0', 'o=test 7 7 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', `a=${direction}`, ''].join('\r\n');
}

interface Call {
  readonly callId: string;
  readonly from: string;
  to: string;
  cseq: number;
}

function via(): string {
  return `SIP/2.0/UDP 127.0.0.1:${client.port};branch=${uniqueBranch()};rport`;
}

async function invite(call: Call, user: string, body?: string): Promise<ParsedResponse> {
  const headers: Record<string, string> = body === undefined ? {} : { 'Content-Type': 'application/sdp' };
  const req = buildRequest({ uri: `sip:${user}@127.0.0.1:${srv.port}`, via: via(), from: call.from, to: call.to, callId: call.callId, cseq: call.cseq, headers, ...(body === undefined ? {} : { body }) });
  const res = await client.request(req);
  if (res.status === 200) call.to = res.get('To') ?? call.to;
  return res;
}

function ack(call: Call, user: string, body?: string): void {
  const headers: Record<string, string> = body === undefined ? {} : { 'Content-Type': 'application/sdp' };
  client.send(buildRequest({ method: 'ACK', uri: `sip:${user}@127.0.0.1:${srv.port}`, via: via(), from: call.from, to: call.to, callId: call.callId, cseq: `${call.cseq} ACK`, headers, ...(body === undefined ? {} : { body }) }));
}

async function bye(call: Call, user: string): Promise<ParsedResponse> {
  call.cseq++;
  return client.request(buildRequest({ method: 'BYE', uri: `sip:${user}@127.0.0.1:${srv.port}`, via: via(), from: call.from, to: call.to, callId: call.callId, cseq: call.cseq }));
}

const newCall = (): Call => ({ callId: uniqueCallId(), from: `<sip:carol@127.0.0.1>;tag=${uniqueBranch().slice(7)}`, to: '<sip:answer@127.0.0.1>', cseq: 1 });

describe('answered calls over UDP: media echo, hold, BYE (RFC 3264, RFC 3550, RFC 3261 §15)', () => {
  it('echoes RTP to the offer address, answers hold recvonly with the same session id and version + 1, and frees the port at BYE', async () => {
    const media = await socket(); // where the offer says our media should go
    const sender = await socket(); // another source: the echo must still go to the offer's address
    const call = newCall();
    const ok = await invite(call, 'answer', offer(media.port));
    expect(ok.status).toBe(200);
    const port = mediaPort(ok);
    const [, sessionId, version] = origin(ok);
    expect(port % 2).toBe(0);
    expect(sdpLines(ok)).toContain('a=sendrecv');
    ack(call, 'answer');

    // Once ACKed, frames of the server's own (PCMU, 20 ms each) fill the silence (README "Media").
    const first = await media.next(2000);
    expect([first?.length, first?.[1]]).toEqual([172, 0x80]); // 12 + 160 bytes, marker bit, PT 0
    sender.socket.send(rtp(1), port, '127.0.0.1');
    expect((await media.echoOf(rtp(1), 2000)).echo).toEqual(rtp(1));

    call.cseq++;
    const held = await invite(call, 'answer', offer(media.port, 'sendonly'));
    expect(held.status).toBe(200);
    expect(sdpLines(held)).toContain('a=recvonly');
    expect(mediaPort(held)).toBe(port);
    expect(origin(held).slice(1, 3)).toEqual([sessionId, String(Number(version) + 1)]);
    ack(call, 'answer');
    await new Promise((r) => setTimeout(r, 60)); // the last frames sent before the hold land
    media.drain();
    sender.socket.send(rtp(2), port, '127.0.0.1');
    // recvonly: we receive and send nothing back, neither the echo nor frames of ours (RFC 3264 §6.1).
    expect(await media.next(300)).toBeUndefined();

    call.cseq++;
    const resumed = await invite(call, 'answer', offer(media.port));
    expect(sdpLines(resumed)).toContain('a=sendrecv');
    expect(origin(resumed).slice(1, 3)).toEqual([sessionId, String(Number(version) + 2)]);
    ack(call, 'answer');
    sender.socket.send(rtp(3), port, '127.0.0.1');
    expect((await media.echoOf(rtp(3), 2000)).echo).toEqual(rtp(3));

    expect((await bye(call, 'answer')).status).toBe(200);
    // The port is released: we can bind it ourselves (bounded retries while the close lands).
    let rebound: Socket | undefined;
    for (let i = 0; i < 20 && rebound === undefined; i++) {
      rebound = await socket(port).catch(async () => {
        await new Promise((r) => setTimeout(r, 25));
        return undefined;
      });
    }
    expect(rebound?.port).toBe(port);
  });

  it('offers a G.729-only user G.729 alone when the INVITE has no SDP, and echoes to the answer in the ACK (RFC 3264 §5)', async () => {
    const media = await socket();
    const sender = await socket();
    const call = newCall();
    const ok = await invite(call, 'g729');
    expect(ok.status).toBe(200);
    const port = mediaPort(ok);
    expect(sdpLines(ok).filter((l) => l.startsWith('m=') || l.startsWith('a='))).toEqual([`m=audio ${port} RTP/AVP 18`, 'a=rtpmap:18 G729/8000', 'a=sendrecv']);
    ack(call, 'g729', ['v=0', 'o=test 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${media.port} RTP/AVP 18`, ''].join('\r\n'));
    // The ACK is unanswered; a bounded wait lets the server read it before the RTP arrives.
    await new Promise((r) => setTimeout(r, 50));
    sender.socket.send(rtp(4), port, '127.0.0.1');
    // G.729 has no frames of ours (no encoder): only the echo comes back.
    expect(await media.echoOf(rtp(4), 2000)).toEqual({ echo: rtp(4), own: [] });
    expect((await bye(call, 'g729')).status).toBe(200);
  });

  it.each([
    ['without a To tag', undefined],
    ['with a To tag matching no dialog', '<sip:answer@127.0.0.1>;tag=nosuch'],
  ])('answers a BYE %s 481 (§15.1.2)', async (_what, to) => {
    const res = await client.request(buildRequest({ method: 'BYE', uri: `sip:answer@127.0.0.1:${srv.port}`, via: via(), ...(to === undefined ? {} : { to }) }));
    expect([res.status, res.reason]).toEqual([481, 'Call/Transaction Does Not Exist']);
  });
});
