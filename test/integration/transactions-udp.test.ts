/**
 * Issue 3 over real UDP sockets: the server transaction layer (§17.2), CANCEL (§9.2), merged
 * requests (§8.2.2.2) and dialogs (§12, §14.2). T1 is shortened to 100 ms so the retransmission
 * timers run in a fraction of a second; the intervals themselves are proven with a fake clock in
 * test/unit/transaction.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildRequest, startTestServer, tagOf, uniqueBranch, uniqueCallId, type TestServer, type UdpClient } from '../helpers/index.js';

let srv: TestServer;
let client: UdpClient;

beforeAll(async () => {
  srv = await startTestServer({ config: { transactions: { t1Ms: 100, t2Ms: 400, t4Ms: 500 }, calls: { ringMs: 60_000, slowMs: 300 } } });
});
afterAll(async () => {
  await srv.close();
});
// A client per test: a response retransmitted for one test must not be read by the next.
beforeEach(async () => {
  client = await srv.udpClient();
});
afterEach(async () => {
  await client.close();
});

function via(branch: string): string {
  return `SIP/2.0/UDP 127.0.0.1:${client.port};branch=${branch};rport`;
}

/**
 * After an ACK: a retransmission the server sent before the ACK reached it may still be in flight,
 * so skip a moment, then require silence for longer than T2 (400 ms here), which any further
 * Timer G retransmission would break.
 */
async function expectSilenceAfterAck() {
  await drain(80);
  expect(await drain(600)).toEqual([]);
}

/** Collect every datagram for `ms`. */
async function drain(ms: number) {
  const out = [];
  const end = Date.now() + ms;
  for (;;) {
    const left = end - Date.now();
    if (left <= 0) return out;
    try {
      out.push(await client.receive(left));
    } catch {
      return out;
    }
  }
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5004 RTP/AVP 8 0\r\na=rtpmap:8 PCMA/8000\r\n';

describe('server transactions over UDP (§17.2)', () => {
  it('answers a retransmitted INVITE with byte-identical bytes (§17.2.1)', async () => {
    const invite = buildRequest({ uri: 'sip:486@127.0.0.1', via: via(uniqueBranch()) });
    const first = await client.request(invite);
    const second = await client.request(invite);
    expect(first.status).toBe(486);
    expect(second.text).toBe(first.text);
    client.send(buildRequest({ method: 'ACK', uri: 'sip:486@127.0.0.1', via: first.headers.find((h) => h.name.toLowerCase() === 'via')?.value.replace(/;received=[^;]*|;rport=\d+/g, ';rport') }));
    await drain(150);
  });

  it('retransmits the final response until the ACK arrives, then stops (Timer G)', async () => {
    const branch = uniqueBranch();
    const callId = uniqueCallId();
    const from = `<sip:carol@127.0.0.1>;tag=fa${branch}`;
    client.send(buildRequest({ uri: 'sip:486@127.0.0.1', via: via(branch), callId, from }));
    // sent at 0, Timer G at 100 and 300 ms (the intervals themselves are proven on a fake clock)
    const before = [await client.receive(), await client.receive(), await client.receive()];
    expect(before.map((r) => r.status)).toEqual([486, 486, 486]);
    expect(new Set(before.map((r) => r.text)).size).toBe(1);
    const toTag = tagOf(before[0]?.get('to'));
    client.send(buildRequest({ method: 'ACK', uri: 'sip:486@127.0.0.1', via: via(branch), callId, from, to: `<sip:486@127.0.0.1>;tag=${toTag}`, cseq: '1 ACK' }));
    await expectSilenceAfterAck();
  });

  it('answers a CANCEL of a ringing INVITE with 200, and the INVITE with 487 (§9.2)', async () => {
    const branch = uniqueBranch();
    const callId = uniqueCallId();
    const from = `<sip:carol@127.0.0.1>;tag=fc${branch}`;
    const ringing = await client.request(buildRequest({ uri: 'sip:ringing@127.0.0.1', via: via(branch), callId, from }));
    expect(ringing.status).toBe(180);
    const cancel = buildRequest({ method: 'CANCEL', uri: 'sip:ringing@127.0.0.1', via: via(branch), callId, from, cseq: '1 CANCEL' });
    const answers = [await client.request(cancel), await client.receive()];
    const byMethod = Object.fromEntries(answers.map((r) => [r.get('cseq'), r]));
    expect(byMethod['1 CANCEL']?.status).toBe(200);
    expect(byMethod['1 INVITE']?.status).toBe(487);
    // §9.2: "The To tag of the response to the CANCEL and the response to the original request SHOULD be the same"
    expect(tagOf(byMethod['1 CANCEL']?.get('to'))).toBe(tagOf(ringing.get('to')));
    expect(tagOf(byMethod['1 INVITE']?.get('to'))).toBe(tagOf(ringing.get('to')));
    client.send(buildRequest({ method: 'ACK', uri: 'sip:ringing@127.0.0.1', via: via(branch), callId, from, to: `<sip:ringing@127.0.0.1>;tag=${tagOf(ringing.get('to'))}`, cseq: '1 ACK' }));
    await expectSilenceAfterAck();
  });

  it('answers a CANCEL that matches no transaction with 481 (§9.2)', async () => {
    const r = await client.request(buildRequest({ method: 'CANCEL', uri: 'sip:ringing@127.0.0.1', via: via(uniqueBranch()), cseq: '1 CANCEL' }));
    expect(r.status).toBe(481);
  });

  it('answers a merged INVITE (same From tag, Call-ID and CSeq, other branch) with 482 (§8.2.2.2)', async () => {
    const callId = uniqueCallId();
    const from = `<sip:carol@127.0.0.1>;tag=merge${callId.split("@")[0]}`;
    const first = await client.request(buildRequest({ uri: 'sip:ringing@127.0.0.1', via: via(uniqueBranch()), callId, from }));
    expect(first.status).toBe(180);
    const second = await client.request(buildRequest({ uri: 'sip:ringing@127.0.0.1', via: via(uniqueBranch()), callId, from }));
    expect(second.status).toBe(482);
    expect(second.reason).toBe('Loop Detected');
  });

  it('sends 100 Trying at once for a slow user, then 408 after the delay', async () => {
    const invite = buildRequest({ uri: 'sip:slow@127.0.0.1', via: via(uniqueBranch()) });
    const trying = await client.request(invite);
    expect(trying.status).toBe(100);
    const final = await client.receive(1000);
    expect(final.status).toBe(408);
  });
});

describe('RFC 2543 peers: transactions matched without the magic cookie (§17.2.3)', () => {
  // No branch at all, as an RFC 2543 client sends: matching falls back to Request-URI, From tag,
  // Call-ID, CSeq number and the top Via.
  const via2543 = () => `SIP/2.0/UDP 127.0.0.1:${client.port}`;

  it('answers a retransmitted INVITE with identical bytes and stops retransmitting after the ACK', async () => {
    const callId = uniqueCallId();
    const from = `<sip:carol@127.0.0.1>;tag=old${callId.split('@')[0]}`;
    const invite = buildRequest({ uri: 'sip:486@127.0.0.1', via: via2543(), callId, from });
    const first = await client.request(invite);
    const again = await client.request(invite);
    expect(first.status).toBe(486);
    expect(again.text).toBe(first.text);
    const to = `<sip:486@127.0.0.1>;tag=${tagOf(first.get('to'))}`;
    client.send(buildRequest({ method: 'ACK', uri: 'sip:486@127.0.0.1', via: via2543(), callId, from, to, cseq: '1 ACK' }));
    await expectSilenceAfterAck();
  });

  it('matches a CANCEL to its INVITE: 200 to the CANCEL and 487 to the INVITE (§9.2)', async () => {
    const callId = uniqueCallId();
    const from = `<sip:carol@127.0.0.1>;tag=oldc${callId.split('@')[0]}`;
    const ringing = await client.request(buildRequest({ uri: 'sip:ringing@127.0.0.1', via: via2543(), callId, from }));
    expect(ringing.status).toBe(180);
    const answers = [await client.request(buildRequest({ method: 'CANCEL', uri: 'sip:ringing@127.0.0.1', via: via2543(), callId, from, cseq: '1 CANCEL' })), await client.receive()];
    expect(answers.map((r) => `${r.status} ${r.get('cseq')}`).sort()).toEqual(['200 1 CANCEL', '487 1 INVITE']);
    const to = `<sip:ringing@127.0.0.1>;tag=${tagOf(ringing.get('to'))}`;
    client.send(buildRequest({ method: 'ACK', uri: 'sip:ringing@127.0.0.1', via: via2543(), callId, from, to, cseq: '1 ACK' }));
    await expectSilenceAfterAck();
  });
});

describe('dialogs over UDP (§12, §14.2)', () => {
  it('answers a BYE with a made-up To tag with 481 (§12.2.2)', async () => {
    const r = await client.request(buildRequest({ method: 'BYE', uri: 'sip:answer@127.0.0.1', via: via(uniqueBranch()), to: '<sip:answer@127.0.0.1>;tag=made-up' }));
    expect(r.status).toBe(481);
  });

  it('establishes a call with `answer`, takes the ACK silently, and ends it with BYE → 200', async () => {
    const callId = uniqueCallId();
    const from = `<sip:carol@127.0.0.1>;tag=dlg${callId.split("@")[0]}`;
    const ok = await client.request(buildRequest({ uri: 'sip:answer@127.0.0.1', via: via(uniqueBranch()), callId, from, headers: { 'Content-Type': 'application/sdp' }, body: SDP }));
    expect(ok.status).toBe(200);
    expect(ok.get('content-type')).toBe('application/sdp');
    expect(ok.body.toString()).toContain('m=audio 40000 RTP/AVP 8');
    expect(ok.get('contact')).toMatch(/^<sip:answer@127\.0\.0\.1:\d+>$/);
    const to = `<sip:answer@127.0.0.1>;tag=${tagOf(ok.get('to'))}`;
    client.send(buildRequest({ method: 'ACK', uri: 'sip:answer@127.0.0.1', via: via(uniqueBranch()), callId, from, to, cseq: '1 ACK' }));
    await expectSilenceAfterAck(); // the 2xx is no longer retransmitted after its ACK
    const bye = await client.request(buildRequest({ method: 'BYE', uri: 'sip:answer@127.0.0.1', via: via(uniqueBranch()), callId, from, to, cseq: 2 }));
    expect(bye.status).toBe(200);
    const again = await client.request(buildRequest({ method: 'BYE', uri: 'sip:answer@127.0.0.1', via: via(uniqueBranch()), callId, from, to, cseq: 3 }));
    expect(again.status).toBe(481);
  });

  it('answers a re-INVITE that arrives before the ACK of the 2xx with 491 (§14.2 glare)', async () => {
    const callId = uniqueCallId();
    const from = `<sip:carol@127.0.0.1>;tag=glare${callId.split("@")[0]}`;
    const ok = await client.request(buildRequest({ uri: 'sip:answer@127.0.0.1', via: via(uniqueBranch()), callId, from }));
    expect(ok.status).toBe(200);
    const to = `<sip:answer@127.0.0.1>;tag=${tagOf(ok.get('to'))}`;
    const reinvite = await client.request(buildRequest({ uri: 'sip:answer@127.0.0.1', via: via(uniqueBranch()), callId, from, to, cseq: 2 }), 1000).then(async (r) => (r.status === 200 ? client.receive() : r));
    expect(reinvite.status).toBe(491);
    await drain(300);
  });

  it('answers an in-dialog request whose CSeq went backwards with 500 (§12.2.2)', async () => {
    const callId = uniqueCallId();
    const from = `<sip:carol@127.0.0.1>;tag=cseq${callId.split("@")[0]}`;
    const ok = await client.request(buildRequest({ uri: 'sip:answer@127.0.0.1', via: via(uniqueBranch()), callId, from, cseq: 10 }));
    const to = `<sip:answer@127.0.0.1>;tag=${tagOf(ok.get('to'))}`;
    client.send(buildRequest({ method: 'ACK', uri: 'sip:answer@127.0.0.1', via: via(uniqueBranch()), callId, from, to, cseq: '10 ACK' }));
    await drain(100);
    const info = await client.request(buildRequest({ method: 'INFO', uri: 'sip:answer@127.0.0.1', via: via(uniqueBranch()), callId, from, to, cseq: 5 }));
    expect(info.status).toBe(500);
  });
});
