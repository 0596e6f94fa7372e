/**
 * Overlapping INVITEs in one dialog over real UDP on loopback (RFC 3261 §14.2): "A UAS that
 * receives a second INVITE before it sends the final response to a first INVITE with a lower CSeq
 * sequence number on the same dialog MUST return a 500 (Server Internal Error) response to the
 * second INVITE and MUST include a Retry-After header field with a randomly chosen value of between
 * 0 and 10 seconds." The window exists because `calls.reinviteMs` holds a re-INVITE's 200 back — the
 * setting is what this suite is about; everything else is the default configuration.
 */
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRequest, uniqueBranch, uniqueCallId } from '../helpers/sip-request.js';
import type { ParsedResponse } from '../helpers/sip-response.js';
import { startTestServer, type TestServer, type UdpClient } from '../helpers/test-server.js';

const REINVITE_MS = 400;

/** A free even port to start the media range at: suites run in parallel, each with its own server. */
async function freeEvenPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p - (p % 2);
}

let srv: TestServer;
let client: UdpClient;
beforeAll(async () => {
  const base = await freeEvenPort();
  srv = await startTestServer({ config: { calls: { reinviteMs: REINVITE_MS }, media: { portMin: base, portMax: base + 10 } } });
  client = await srv.udpClient();
});
afterAll(async () => {
  await client?.close();
  await srv?.close();
});

const OFFER = ['v=0', 'o=test 7 7 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');

interface Call {
  readonly callId: string;
  readonly from: string;
  to: string;
}

const newCall = (): Call => ({ callId: uniqueCallId(), from: `<sip:carol@127.0.0.1>;tag=${uniqueBranch().slice(7)}`, to: '<sip:answer@127.0.0.1>' });
const via = (branch: string): string => `SIP/2.0/UDP 127.0.0.1:${client.port};branch=${branch};rport`;
const uri = (): string => `sip:answer@127.0.0.1:${srv.port}`;

function invite(call: Call, cseq: number, branch = uniqueBranch()): Buffer {
  return buildRequest({ uri: uri(), via: via(branch), from: call.from, to: call.to, callId: call.callId, cseq, headers: { 'Content-Type': 'application/sdp' }, body: OFFER });
}

/** §17.1.1.3: the ACK of a non-2xx takes the INVITE's branch; §13.2.2.4: the ACK of a 2xx a new one. */
function ack(call: Call, cseq: number, branch = uniqueBranch()): void {
  client.send(buildRequest({ method: 'ACK', uri: uri(), via: via(branch), from: call.from, to: call.to, callId: call.callId, cseq: `${cseq} ACK` }));
}

/**
 * The next response of this call with this CSeq and status class: over UDP a final response to an
 * INVITE is retransmitted until its ACK (Timer G), so copies of earlier answers may come first.
 * Bounded: at most 8 datagrams, each within the wait.
 */
async function next(call: Call, cseq: string, final: boolean, timeoutMs = 2000): Promise<ParsedResponse> {
  for (let i = 0; i < 8; i++) {
    const res = await client.receive(timeoutMs, call.callId);
    if (res.get('CSeq') === cseq && res.status >= 200 === final) return res;
  }
  throw new Error(`no ${final ? 'final' : 'provisional'} response to ${cseq} among 8 datagrams`);
}

/** INVITE answer → 200 → ACK: a confirmed dialog, with our To tag in `call.to`. */
async function answered(): Promise<Call> {
  const call = newCall();
  client.send(invite(call, 1));
  const ok = await next(call, '1 INVITE', true);
  expect(ok.status).toBe(200);
  call.to = ok.get('To') ?? call.to;
  ack(call, 1);
  return call;
}

describe('a second INVITE while a re-INVITE is unanswered (RFC 3261 §14.2)', () => {
  it('answers the second INVITE 500 with Retry-After 0-10, then the first gets its 200 with SDP', async () => {
    const call = await answered();
    const sent = Date.now();
    client.send(invite(call, 2));
    // §17.2.1: the answer takes longer than 200 ms, so the transaction sends 100 Trying at once.
    expect((await next(call, '2 INVITE', false)).status).toBe(100);

    const second = uniqueBranch();
    client.send(invite(call, 3, second));
    const refused = await next(call, '3 INVITE', true);
    const gotRefusal = Date.now();
    ack(call, 3, second);
    expect(refused.status).toBe(500);
    expect(refused.reason).toBe('Server Internal Error');
    expect(refused.get('Retry-After')).toMatch(/^(?:[0-9]|10)$/);
    expect(gotRefusal - sent).toBeLessThan(REINVITE_MS);

    const ok = await next(call, '2 INVITE', true);
    expect(ok.status).toBe(200);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(REINVITE_MS - 20);
    expect(ok.get('Content-Type')).toBe('application/sdp');
    expect(ok.body.toString('latin1')).toMatch(/^v=0\r\no=sip4xx \d+ \d+ IN IP4 127\.0\.0\.1\r\n/);
    ack(call, 2);

    // The final response went out: the dialog is free again, and the next re-INVITE goes through.
    client.send(invite(call, 4));
    expect((await next(call, '4 INVITE', false)).status).toBe(100);
    expect((await next(call, '4 INVITE', true)).status).toBe(200);
    ack(call, 4);
  });

  it('frees the dialog when the pending re-INVITE is CANCELled: 487, then a new re-INVITE is answered (§9.2)', async () => {
    const call = await answered();
    const branch = uniqueBranch();
    client.send(invite(call, 2, branch));
    expect((await next(call, '2 INVITE', false)).status).toBe(100);
    // §9.1: the CANCEL has the INVITE's Request-URI, Call-ID, From, To, CSeq number and branch.
    client.send(buildRequest({ method: 'CANCEL', uri: uri(), via: via(branch), from: call.from, to: call.to, callId: call.callId, cseq: '2 CANCEL' }));
    expect((await next(call, '2 CANCEL', true)).status).toBe(200);
    expect((await next(call, '2 INVITE', true)).status).toBe(487);
    ack(call, 2, branch);

    client.send(invite(call, 3));
    expect((await next(call, '3 INVITE', false)).status).toBe(100);
    expect((await next(call, '3 INVITE', true)).status).toBe(200);
    ack(call, 3);
  });
});
