/**
 * GET /api/requests.pcap over real sockets: a real SIP server on loopback (UDP and TCP, ephemeral
 * ports) behind the real admin endpoint; the capture is read back by tshark, which must decode
 * every request and response as SIP, in time order, with valid IPv4/UDP/TCP checksums.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { journalPcap } from '../../src/admin/api/pcap.js';
import type { EntryJson } from '../../src/journal/query.js';
import { buildAck, buildRequest, defaultVia, uniqueCallId } from '../helpers/index.js';
import { apiHarness, type ApiHarness } from './api-harness.js';

const TSHARK = '/usr/bin/tshark';
const FROM = '<sip:zed@127.0.0.1>;tag=pc1';
let harness: ApiHarness | undefined;
let dir = '';
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** tshark's fields for each packet of the capture, one array per packet. */
function tshark(file: string, filter: string, fields: readonly string[]): string[][] {
  const args = ['-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-Y', filter, '-T', 'fields', '-E', 'separator=|'];
  for (const f of fields) args.push('-e', f);
  const out = execFileSync(TSHARK, args, { encoding: 'utf8', timeout: 20_000, env: { ...process.env, HOME: dir } });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('|'));
}

describe.runIf(existsSync(TSHARK))('GET /api/requests.pcap', () => {
  it('exports UDP and TCP traffic that tshark decodes message by message as SIP', async () => {
    harness = await apiHarness();
    const { sip, call, base } = harness;
    const udp = await sip.udpClient();
    const busyCall = uniqueCallId();
    const invite = buildRequest({ method: 'INVITE', uri: 'sip:busy@127.0.0.1', callId: busyCall, from: FROM, via: defaultVia('UDP', `127.0.0.1:${udp.port}`) });
    const r486 = await udp.request(invite);
    expect(r486.status).toBe(486);
    udp.send(buildAck(invite, r486.text));
    const tcp = await sip.tcpConnect();
    const optCall = uniqueCallId();
    const options = buildRequest({ method: 'OPTIONS', uri: 'sip:nobody@127.0.0.1', callId: optCall, from: FROM, via: defaultVia('TCP', `127.0.0.1:${tcp.port}`) });
    const rOpt = await tcp.request(options);
    // The ACK is recorded once the server has read it: wait (bounded) for the third entry.
    for (let i = 0; i < 50 && (await call('GET', '/api/requests/count')).text !== '{"count":3}'; i++) await new Promise((r) => setTimeout(r, 20));

    const res = await fetch(`${base}/api/requests.pcap`, { signal: AbortSignal.timeout(3000) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.tcpdump.pcap');
    const body = Buffer.from(await res.arrayBuffer());
    expect([body.readUInt32LE(0), body.readUInt16LE(4), body.readUInt16LE(6), body.readUInt32LE(20)]).toEqual([0xa1b2c3d4, 2, 4, 101]);
    dir = mkdtempSync(path.join(os.tmpdir(), 'sip4xx-pcap-'));
    const file = path.join(dir, 'journal.pcap');
    writeFileSync(file, body);

    const port = sip.server.address().port;
    const rows = tshark(file, 'sip', ['frame.protocols', 'ip.src', 'ip.dst', 'udp.srcport', 'tcp.srcport', 'udp.dstport', 'tcp.dstport', 'sip.Method', 'sip.Status-Code', 'sip.Call-ID']);
    expect(rows).toEqual([
      ['raw:ip:udp:sip', '127.0.0.1', '127.0.0.1', String(udp.port), '', String(port), '', 'INVITE', '', busyCall],
      ['raw:ip:udp:sip', '127.0.0.1', '127.0.0.1', String(port), '', String(udp.port), '', '', '486', busyCall],
      ['raw:ip:udp:sip', '127.0.0.1', '127.0.0.1', String(udp.port), '', String(port), '', 'ACK', '', busyCall],
      ['raw:ip:tcp:sip', '127.0.0.1', '127.0.0.1', '', String(tcp.port), '', String(port), 'OPTIONS', '', optCall],
      ['raw:ip:tcp:sip', '127.0.0.1', '127.0.0.1', '', String(port), '', String(tcp.port), '', String(rOpt.status), optCall],
    ]);
    // The TCP stream: a handshake, then each direction's sequence numbers run on by the bytes sent.
    const tcpRows = tshark(file, 'tcp', ['tcp.flags.str', 'tcp.seq', 'tcp.ack', 'tcp.len']);
    expect(tcpRows.map((r) => r[0]!.replace(/\u00b7/g, '.'))).toEqual(['..........S.', '.......A..S.', '.......A....', '.......AP...', '.......AP...']);
    expect(tcpRows.map((r) => [r[1], r[2], r[3]])).toEqual([
      ['0', '0', '0'],
      ['0', '1', '0'],
      ['1', '1', '0'],
      ['1', '1', String(options.length)],
      ['1', String(1 + options.length), String(Buffer.byteLength(rOpt.text, 'latin1'))],
    ]);
    expect(tshark(file, '_ws.expert.severity >= warning || ip.checksum.status == 0 || udp.checksum.status == 0 || tcp.checksum.status == 0', ['frame.number'])).toEqual([]);
  });

  it('writes IPv6 peers with IPv6 headers and cuts nothing from a response retransmitted over UDP', () => {
    const raw = 'OPTIONS sip:x@[::1] SIP/2.0\r\nVia: SIP/2.0/UDP [::1]:5999;branch=z9hG4bK1\r\nFrom: <sip:a@[::1]>;tag=1\r\nTo: <sip:x@[::1]>\r\nCall-ID: v6\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n';
    const resp = 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP [::1]:5999;branch=z9hG4bK1\r\nFrom: <sip:a@[::1]>;tag=1\r\nTo: <sip:x@[::1]>;tag=2\r\nCall-ID: v6\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n';
    const entry = {
      id: 1, time: '2023-11-14T22:13:20.123Z', transport: 'udp', source: { address: '::1', port: 5999 }, method: 'OPTIONS', raw,
      responses: [{ time: '2023-11-14T22:13:20.124Z', code: 200, reason: 'OK', raw: resp, retransmission: false }, { time: '2023-11-14T22:13:20.624Z', code: 200, reason: 'OK', raw: resp, retransmission: true }],
    } as unknown as EntryJson;
    const pcap = journalPcap([entry], { udp: { address: '::1', port: 5062, family: 'IPv6' } });
    dir = mkdtempSync(path.join(os.tmpdir(), 'sip4xx-pcap-'));
    const file = path.join(dir, 'v6.pcap');
    writeFileSync(file, pcap);
    expect(tshark(file, 'sip', ['frame.time_epoch', 'ipv6.src', 'udp.srcport', 'udp.dstport', 'udp.length', 'sip.CSeq.method', 'sip.Status-Code'])).toEqual([
      ['1700000000.123000000', '::1', '5999', '5062', String(8 + raw.length), 'OPTIONS', ''],
      ['1700000000.124000000', '::1', '5062', '5999', String(8 + resp.length), 'OPTIONS', '200'],
      ['1700000000.624000000', '::1', '5062', '5999', String(8 + resp.length), 'OPTIONS', '200'],
    ]);
    expect(tshark(file, 'udp.checksum.status == 0', ['frame.number'])).toEqual([]);
  });

  it('puts a 487 after the CANCEL it answers when both fall in one millisecond', () => {
    const t = '2023-11-14T22:13:20.500Z';
    const msg = (first: string, cseq: string): string => `${first}\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKc\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:ringing@h>\r\nCall-ID: c1\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`;
    const base = { transport: 'udp', source: { address: '127.0.0.1', port: 5999 }, callId: 'c1' };
    const entries = [
      { ...base, id: 1, time: t, method: 'INVITE', cseq: '1 INVITE', raw: msg('INVITE sip:ringing@h SIP/2.0', '1 INVITE'),
        responses: [{ time: t, code: 180, reason: 'Ringing', raw: msg('SIP/2.0 180 Ringing', '1 INVITE'), retransmission: false }, { time: t, code: 487, reason: 'Request Terminated', raw: msg('SIP/2.0 487 Request Terminated', '1 INVITE'), retransmission: false }] },
      { ...base, id: 2, time: t, method: 'CANCEL', cseq: '1 CANCEL', raw: msg('CANCEL sip:ringing@h SIP/2.0', '1 CANCEL'),
        responses: [{ time: t, code: 200, reason: 'OK', raw: msg('SIP/2.0 200 OK', '1 CANCEL'), retransmission: false }] },
    ] as unknown as EntryJson[];
    dir = mkdtempSync(path.join(os.tmpdir(), 'sip4xx-pcap-'));
    const file = path.join(dir, 'cancel.pcap');
    writeFileSync(file, journalPcap(entries, { udp: { address: '127.0.0.1', port: 5060, family: 'IPv4' } }));
    expect(tshark(file, 'sip', ['sip.CSeq.method', 'sip.Status-Code'])).toEqual([
      ['INVITE', ''],
      ['INVITE', '180'],
      ['CANCEL', ''],
      ['CANCEL', '200'],
      ['INVITE', '487'],
    ]);
  });
});
