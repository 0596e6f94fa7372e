/**
 * GET /api/requests.pcap: the whole journal as a classic libpcap capture (README, "Console"), one
 * packet per request and per response sent, in time order, so that Wireshark or `tshark -r`
 * decodes it as SIP.
 *
 * Framing is LINKTYPE_RAW (101): each packet starts with its IPv4 (RFC 791) or IPv6 (RFC 8200)
 * header. UDP entries get a UDP header (RFC 768); TCP, TLS, WS and WSS entries get a TCP header
 * (RFC 9293) on a stream per connection (peer address, port and transport) that opens with a
 * three-way handshake and carries per-direction sequence and acknowledgement numbers. TLS and
 * WebSocket framing is not reproduced: the segment carries the SIP message as the server parsed or
 * sent it. Checksums are computed (RFC 1071; the pseudo-headers of RFC 768, RFC 9293 §3.1, RFC 8200
 * §8.1). Our side is the listener's bound address for the entry's transport.
 */
import type { ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Journal } from '../../journal/journal.js';
import { entryJson, select, type EntryJson } from '../../journal/query.js';
import type { Endpoint, TransportName } from '../../transport/flow.js';

/** Where each transport listens; a transport missing here is written with port 5060. */
export type Listeners = Partial<Record<TransportName, Endpoint>>;

const LINKTYPE_RAW = 101;
const SNAPLEN = 65_535;
/** Payload bytes per packet at most, so the IP length fields hold (a longer message is cut). */
const MAX_PAYLOAD = SNAPLEN - 60 - 40;
const TCP_SYN = 0x02;
const TCP_ACK = 0x10;
const TCP_PSH_ACK = 0x18;

interface Packet {
  readonly time: number;
  readonly order: number;
  readonly inbound: boolean;
  readonly entry: EntryJson;
  readonly payload: Buffer;
}

interface Stream {
  clientSeq: number;
  serverSeq: number;
}

/** An IPv4 or IPv6 address as bytes; IPv4-mapped IPv6 (::ffff:a.b.c.d) as IPv4. */
function addressBytes(address: string): Buffer | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  const text = mapped?.[1] ?? bare;
  const kind = isIP(text);
  if (kind === 4) return Buffer.from(text.split('.').map(Number));
  if (kind !== 6) return undefined;
  const [head = '', tail] = text.split('::');
  const groups = (s: string): number[] =>
    s === ''
      ? []
      : s.split(':').flatMap((g) => {
          if (!g.includes('.')) return [parseInt(g, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Our address in the family of the peer's: the listener's, else the unspecified address. */
function localBytes(peer: Buffer, listener: Endpoint | undefined): Buffer {
  const ours = listener === undefined ? undefined : addressBytes(listener.address);
  if (ours !== undefined && ours.length === peer.length) return ours;
  return Buffer.alloc(peer.length);
}

/** RFC 1071 one's-complement sum over the given buffers, folded and complemented. */
function checksum(parts: readonly Buffer[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const b of parts) {
    for (let i = 0; i < b.length; i++) {
      if (odd === undefined) odd = b[i]!;
      else {
        sum += (odd << 8) | b[i]!;
        odd = undefined;
      }
    }
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function pseudoHeader(src: Buffer, dst: Buffer, protocol: number, length: number): Buffer {
  if (src.length === 4) {
    const p = Buffer.alloc(12);
    src.copy(p, 0);
    dst.copy(p, 4);
    p[9] = protocol;
    p.writeUInt16BE(length, 10);
    return p;
  }
  const p = Buffer.alloc(40);
  src.copy(p, 0);
  dst.copy(p, 16);
  p.writeUInt32BE(length, 32);
  p[39] = protocol;
  return p;
}

function ipHeader(src: Buffer, dst: Buffer, protocol: number, length: number, id: number): Buffer {
  if (src.length === 4) {
    const h = Buffer.alloc(20);
    h[0] = 0x45;
    h.writeUInt16BE(20 + length, 2);
    h.writeUInt16BE(id & 0xffff, 4);
    h.writeUInt16BE(0x4000, 6); // don't fragment
    h[8] = 64;
    h[9] = protocol;
    src.copy(h, 12);
    dst.copy(h, 16);
    h.writeUInt16BE(checksum([h]), 10);
    return h;
  }
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x60000000, 0);
  h.writeUInt16BE(length, 4);
  h[6] = protocol;
  h[7] = 64;
  src.copy(h, 8);
  dst.copy(h, 24);
  return h;
}

function udpPacket(src: Buffer, dst: Buffer, sport: number, dport: number, payload: Buffer, id: number): Buffer {
  const u = Buffer.alloc(8);
  u.writeUInt16BE(sport, 0);
  u.writeUInt16BE(dport, 2);
  u.writeUInt16BE(8 + payload.length, 4);
  // RFC 768: a computed zero is sent as all ones.
  u.writeUInt16BE(checksum([pseudoHeader(src, dst, 17, 8 + payload.length), u, payload]) || 0xffff, 6);
  return Buffer.concat([ipHeader(src, dst, 17, 8 + payload.length, id), u, payload]);
}

function tcpPacket(src: Buffer, dst: Buffer, sport: number, dport: number, seq: number, ack: number, flags: number, payload: Buffer, id: number): Buffer {
  const t = Buffer.alloc(20);
  t.writeUInt16BE(sport, 0);
  t.writeUInt16BE(dport, 2);
  t.writeUInt32BE(seq >>> 0, 4);
  t.writeUInt32BE(flags & TCP_ACK ? ack >>> 0 : 0, 8);
  t[12] = 5 << 4;
  t[13] = flags;
  t.writeUInt16BE(65_535, 14);
  t.writeUInt16BE(checksum([pseudoHeader(src, dst, 6, 20 + payload.length), t, payload]), 16);
  return Buffer.concat([ipHeader(src, dst, 6, 20 + payload.length, id), t, payload]);
}

function record(time: number, packet: Buffer): Buffer {
  const h = Buffer.alloc(16);
  const ms = Math.max(0, Math.round(time));
  h.writeUInt32LE(Math.floor(ms / 1000), 0);
  h.writeUInt32LE((ms % 1000) * 1000, 4);
  h.writeUInt32LE(packet.length, 8);
  h.writeUInt32LE(packet.length, 12);
  return Buffer.concat([h, packet]);
}

function globalHeader(): Buffer {
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0);
  g.writeUInt16LE(2, 4);
  g.writeUInt16LE(4, 6);
  g.writeUInt32LE(SNAPLEN, 16);
  g.writeUInt32LE(LINKTYPE_RAW, 20);
  return g;
}

const latin1 = (s: string): Buffer => {
  const b = Buffer.from(s, 'latin1');
  return b.length > MAX_PAYLOAD ? b.subarray(0, MAX_PAYLOAD) : b;
};

/** Every request and response of the journal as packets, in time order (a request before its answers). */
function packetsOf(entries: readonly EntryJson[]): Packet[] {
  const out: Packet[] = [];
  let order = 0;
  for (const entry of entries) {
    const time = Date.parse(entry.time);
    out.push({ time, order: order++, inbound: true, entry, payload: latin1(entry.raw) });
    for (const r of entry.responses) out.push({ time: Math.max(Date.parse(r.time), time), order: order++, inbound: false, entry, payload: latin1(r.raw) });
  }
  // Within one millisecond the journal cannot say which came first; a 487 answers the CANCEL of
  // the same Call-ID and CSeq number (RFC 3261 §9.2), so it goes after that CANCEL and its 200.
  const cancels = new Map<string, Packet>();
  const txn = (e: EntryJson): string => `${e.callId ?? ''} ${(e.cseq ?? '').split(' ')[0] ?? ''}`;
  for (const p of out) if (p.entry.method === 'CANCEL') cancels.set(txn(p.entry), p);
  for (const [i, p] of out.entries()) {
    if (p.inbound || p.entry.method !== 'INVITE' || p.payload.subarray(8, 12).toString('latin1') !== '487 ') continue;
    const last = cancels.get(txn(p.entry));
    if (last !== undefined && p.time <= last.time) out[i] = { ...p, time: last.time, order: last.order + 0.5 };
  }
  return out.sort((a, b) => a.time - b.time || a.order - b.order);
}

/** The capture file's bytes for these entries. */
export function journalPcap(entries: readonly EntryJson[], listeners: Listeners): Buffer {
  const chunks: Buffer[] = [globalHeader()];
  const streams = new Map<string, Stream>();
  let id = 1;
  for (const p of packetsOf(entries)) {
    const e = p.entry;
    const { address, port } = e.source;
    const peer = addressBytes(address) ?? Buffer.from([0, 0, 0, 0]);
    const listener = listeners[e.transport as TransportName];
    const local = localBytes(peer, listener);
    const lport = listener?.port ?? 5060;
    const [src, dst, sport, dport] = p.inbound ? [peer, local, port, lport] : [local, peer, lport, port];
    if (e.transport === 'udp') {
      chunks.push(record(p.time, udpPacket(src, dst, sport, dport, p.payload, id++)));
      continue;
    }
    const key = `${e.transport} ${address} ${port}`;
    let s = streams.get(key);
    if (s === undefined) {
      // A plausible opening: initial sequence numbers from the stream's index, then the handshake.
      s = { clientSeq: (streams.size * 0x01000193 + 1000) >>> 0, serverSeq: (streams.size * 0x01000193 + 900_000) >>> 0 };
      streams.set(key, s);
      chunks.push(record(p.time, tcpPacket(peer, local, port, lport, s.clientSeq, 0, TCP_SYN, Buffer.alloc(0), id++)));
      chunks.push(record(p.time, tcpPacket(local, peer, lport, port, s.serverSeq, s.clientSeq + 1, TCP_SYN | TCP_ACK, Buffer.alloc(0), id++)));
      s.clientSeq = (s.clientSeq + 1) >>> 0;
      s.serverSeq = (s.serverSeq + 1) >>> 0;
      chunks.push(record(p.time, tcpPacket(peer, local, port, lport, s.clientSeq, s.serverSeq, TCP_ACK, Buffer.alloc(0), id++)));
    }
    const [seq, ack] = p.inbound ? [s.clientSeq, s.serverSeq] : [s.serverSeq, s.clientSeq];
    chunks.push(record(p.time, tcpPacket(src, dst, sport, dport, seq, ack, TCP_PSH_ACK, p.payload, id++)));
    if (p.inbound) s.clientSeq = (s.clientSeq + p.payload.length) >>> 0;
    else s.serverSeq = (s.serverSeq + p.payload.length) >>> 0;
  }
  return Buffer.concat(chunks);
}

/** GET (or HEAD) /api/requests.pcap. */
export function sendJournalPcap(res: ServerResponse, journal: Journal, listeners: Listeners): void {
  sendPcap(res, select(journal.list(), {}).map(entryJson), listeners);
}

/** These entries (oldest first) as the capture GET /api/requests.pcap answers. */
export function sendPcap(res: ServerResponse, entries: readonly EntryJson[], listeners: Listeners): void {
  const body = journalPcap(entries, listeners);
  res.writeHead(200, {
    'Content-Type': 'application/vnd.tcpdump.pcap',
    'Content-Length': body.length,
    'Content-Disposition': 'attachment; filename="sip4xx-journal.pcap"',
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
