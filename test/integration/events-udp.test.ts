/**
 * SUBSCRIBE / NOTIFY (RFC 6665 §4.2) and PUBLISH (RFC 3903 §6) against the real server on its
 * default configuration, over real UDP and TCP sockets on loopback. The NOTIFYs are requests, so
 * these clients read raw messages rather than the response-only helpers.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRequest, uniqueBranch, uniqueCallId } from '../helpers/sip-request.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const WAIT_MS = 2000;

interface Message {
  readonly start: string;
  readonly text: string;
  get(name: string): string | undefined;
}

function parse(text: string): Message {
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  const lines = head.split('\r\n');
  return {
    start: lines[0] ?? '',
    text,
    get: (name) => lines.slice(1).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))?.replace(/^[^:]+:\s*/, ''),
  };
}

/** Messages as they arrive; `next` waits for one that matches, bounded in time. */
class Inbox {
  readonly all: Message[] = [];
  private waiters: { ok: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  private taken = new Set<Message>();

  push(m: Message): void {
    this.all.push(m);
    const w = this.waiters.find((x) => x.ok(m));
    if (w === undefined) return;
    this.waiters = this.waiters.filter((x) => x !== w);
    this.taken.add(m);
    w.resolve(m);
  }

  next(ok: (m: Message) => boolean, what: string): Promise<Message> {
    const found = this.all.find((m) => !this.taken.has(m) && ok(m));
    if (found !== undefined) {
      this.taken.add(found);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS);
      this.waiters.push({ ok, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }
}

interface Peer {
  readonly port: number;
  readonly transport: 'UDP' | 'TCP';
  readonly inbox: Inbox;
  send(data: Buffer | string): void;
  close(): Promise<void>;
}

async function udpPeer(server: number): Promise<Peer> {
  const socket = dgram.createSocket('udp4');
  const inbox = new Inbox();
  socket.on('message', (m) => inbox.push(parse(m.toString('latin1'))));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return {
    port: socket.address().port,
    transport: 'UDP',
    inbox,
    send: (d) => socket.send(typeof d === 'string' ? Buffer.from(d, 'latin1') : d, server, '127.0.0.1'),
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}

async function tcpPeer(server: number): Promise<Peer> {
  const socket = net.connect(server, '127.0.0.1');
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  const inbox = new Inbox();
  let buf = '';
  socket.on('data', (d) => {
    buf += d.toString('latin1');
    for (let end = buf.indexOf('\r\n\r\n'); end !== -1; end = buf.indexOf('\r\n\r\n')) {
      const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(buf.slice(0, end + 2))?.[1] ?? '0');
      if (buf.length < end + 4 + len) break;
      inbox.push(parse(buf.slice(0, end + 4 + len)));
      buf = buf.slice(end + 4 + len);
    }
  });
  return {
    port: socket.localPort as number,
    transport: 'TCP',
    inbox,
    send: (d) => socket.write(d),
    close: () => new Promise<void>((r) => socket.end(() => r())),
  };
}

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer(); // the defaults: alice and bob have a password
});
afterAll(async () => {
  await srv?.close();
});

function request(peer: Peer, method: string, headers: Record<string, string>, extra: { body?: string; callId?: string; cseq?: number; from?: string; to?: string } = {}) {
  const callId = extra.callId ?? uniqueCallId();
  const transport = peer.transport === 'TCP' ? ';transport=tcp' : '';
  const data = buildRequest({
    method,
    uri: `sip:alice@127.0.0.1:${srv.port}${transport}`,
    via: `SIP/2.0/${peer.transport} 127.0.0.1:${peer.port};branch=${uniqueBranch()};rport`,
    from: extra.from ?? `<sip:carol@127.0.0.1>;tag=${uniqueBranch().slice(7)}`,
    to: extra.to ?? '<sip:alice@127.0.0.1>',
    callId,
    cseq: extra.cseq ?? 1,
    headers,
    ...(extra.body === undefined ? {} : { body: extra.body }),
  });
  peer.send(data);
  return { callId, response: peer.inbox.next((m) => m.start.startsWith('SIP/2.0 ') && m.get('Call-ID') === callId, `response to ${method}`) };
}

/** A 200 to a NOTIFY, as §8.2.6.2 builds it: its Via, From, To, Call-ID and CSeq copied. */
function ok(notify: Message): string {
  const copy = ['Via', 'From', 'To', 'Call-ID', 'CSeq'].map((h) => `${h}: ${notify.get(h) ?? ''}`);
  return ['SIP/2.0 200 OK', ...copy, 'Content-Length: 0', '', ''].join('\r\n');
}

const isNotify = (callId: string) => (m: Message) => m.start.startsWith('NOTIFY ') && m.get('Call-ID') === callId;

describe.each([['UDP', udpPeer] as const, ['TCP', tcpPeer] as const])('events over %s', (transport, connect) => {
  it('SUBSCRIBE presence → 200 with Expires, To tag and Contact, then a NOTIFY in that dialog; its 200 ends it (RFC 6665 §4.2.1)', async () => {
    const peer = await connect(srv.port);
    try {
      const contact = `<sip:carol@127.0.0.1:${peer.port}${transport === 'TCP' ? ';transport=tcp' : ''}>`;
      const { callId, response } = request(peer, 'SUBSCRIBE', { Event: 'presence', Expires: '600', Contact: contact, Accept: 'application/pidf+xml' });
      const res = await response;
      expect(res.start).toBe('SIP/2.0 200 OK');
      expect(res.get('Expires')).toBe('600');
      const toTag = /;tag=([^;]+)$/.exec(res.get('To') ?? '')?.[1];
      expect(toTag).toMatch(/^[0-9a-f]{16}$/);
      expect(res.get('Contact')).toBe(`<sip:alice@127.0.0.1:${srv.port}${transport === 'TCP' ? ';transport=tcp' : ''}>`);

      const notify = await peer.inbox.next(isNotify(callId), 'NOTIFY');
      expect(notify.start).toBe(`NOTIFY sip:carol@127.0.0.1:${peer.port}${transport === 'TCP' ? ';transport=tcp' : ''} SIP/2.0`);
      expect(notify.get('Via')).toMatch(new RegExp(`^SIP/2\\.0/${transport} 127\\.0\\.0\\.1:${srv.port};branch=z9hG4bK[0-9a-f]{24};rport$`));
      expect(notify.get('From')).toBe(`<sip:alice@127.0.0.1>;tag=${toTag}`);
      expect(notify.get('To')).toBe(res.get('From'));
      expect(notify.get('CSeq')).toBe('1 NOTIFY');
      expect(notify.get('Event')).toBe('presence');
      expect(notify.get('Subscription-State')).toBe('active;expires=600');
      expect(notify.get('Content-Type')).toBe('application/pidf+xml');
      expect(notify.text).toContain(`<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@127.0.0.1"/>`);

      peer.send(ok(notify));
      // Timer E would resend it at T1 (500 ms) and 3·T1 over UDP: wait past both.
      await new Promise((r) => setTimeout(r, 1700));
      expect(peer.inbox.all.filter(isNotify(callId))).toHaveLength(1);
    } finally {
      await peer.close();
    }
  });

  it('PUBLISH → 200 with SIP-ETag and Expires; SIP-If-Match refreshes under a new tag; an unknown tag → 412 (RFC 3903 §6)', async () => {
    const peer = await connect(srv.port);
    try {
      const pidf = '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@127.0.0.1"/>';
      const first = await request(peer, 'PUBLISH', { Event: 'presence', Expires: '600', 'Content-Type': 'application/pidf+xml' }, { body: pidf }).response;
      expect([first.start, first.get('Expires')]).toEqual(['SIP/2.0 200 OK', '600']);
      const etag = first.get('SIP-ETag') ?? '';
      expect(etag).toMatch(/^[0-9a-z]+\.[0-9a-f]{16}$/);

      const refresh = await request(peer, 'PUBLISH', { Event: 'presence', Expires: '300', 'SIP-If-Match': etag }).response;
      expect([refresh.start, refresh.get('Expires')]).toEqual(['SIP/2.0 200 OK', '300']);
      expect(refresh.get('SIP-ETag')).not.toBe(etag);

      const stale = await request(peer, 'PUBLISH', { Event: 'presence', Expires: '300', 'SIP-If-Match': etag }).response;
      expect(stale.start).toBe('SIP/2.0 412 Conditional Request Failed');

      const brief = await request(peer, 'PUBLISH', { Event: 'presence', Expires: '10', 'Content-Type': 'application/pidf+xml' }, { body: pidf }).response;
      expect([brief.start, brief.get('Min-Expires')]).toEqual(['SIP/2.0 423 Interval Too Brief', '60']);
    } finally {
      await peer.close();
    }
  });
});

describe('a subscription refreshed and ended inside its dialog (RFC 6665 §4.1.2.1, §4.1.2.3)', () => {
  it('an in-dialog SUBSCRIBE refreshes it (200, NOTIFY active) and Expires: 0 ends it (200, NOTIFY terminated)', async () => {
    const peer = await udpPeer(srv.port);
    try {
      const contact = `<sip:carol@127.0.0.1:${peer.port}>`;
      const first = request(peer, 'SUBSCRIBE', { Event: 'presence', Expires: '600', Contact: contact });
      const res = await first.response;
      const callId = first.callId;
      peer.send(ok(await peer.inbox.next(isNotify(callId), 'NOTIFY')));
      const dialog = { callId, from: res.get('From') ?? '', to: res.get('To') ?? '' };

      const refreshed = await request(peer, 'SUBSCRIBE', { Event: 'presence', Expires: '300', Contact: contact }, { ...dialog, cseq: 2 }).response;
      expect([refreshed.start, refreshed.get('Expires')]).toEqual(['SIP/2.0 200 OK', '300']);
      const active = await peer.inbox.next(isNotify(callId), 'NOTIFY after the refresh');
      expect([active.get('CSeq'), active.get('Subscription-State')]).toEqual(['2 NOTIFY', 'active;expires=300']);
      peer.send(ok(active));

      const ended = await request(peer, 'SUBSCRIBE', { Event: 'presence', Expires: '0', Contact: contact }, { ...dialog, cseq: 3 }).response;
      expect([ended.start, ended.get('Expires')]).toEqual(['SIP/2.0 200 OK', '0']);
      const last = await peer.inbox.next(isNotify(callId), 'NOTIFY ending the subscription');
      expect(last.get('Subscription-State')).toMatch(/^terminated(;|$)/);
      peer.send(ok(last));

      // Over, so a further refresh matches no dialog (§4.1.2.3 ends it; RFC 3261 §12.2.2 481).
      const gone = await request(peer, 'SUBSCRIBE', { Event: 'presence', Expires: '300', Contact: contact }, { ...dialog, cseq: 4 }).response;
      expect(gone.start).toBe('SIP/2.0 481 Call/Transaction Does Not Exist');
    } finally {
      await peer.close();
    }
  });
});

describe('NOTIFY over UDP', () => {
  it('is retransmitted on Timer E while unanswered, byte for byte (RFC 3261 §17.1.2.2)', async () => {
    const peer = await udpPeer(srv.port);
    try {
      const { callId, response } = request(peer, 'SUBSCRIBE', { Event: 'message-summary', Contact: `<sip:carol@127.0.0.1:${peer.port}>` });
      expect((await response).get('Expires')).toBe('3600');
      const first = await peer.inbox.next(isNotify(callId), 'NOTIFY');
      expect(first.text.endsWith('\r\n\r\nMessages-Waiting: no\r\n')).toBe(true);
      const again = await peer.inbox.next(isNotify(callId), 'retransmitted NOTIFY');
      expect(again.text).toBe(first.text);
      peer.send(ok(again));
    } finally {
      await peer.close();
    }
  });
});
