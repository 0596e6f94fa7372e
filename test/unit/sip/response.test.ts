import { describe, expect, it } from 'vitest';
import type { ResponseBasis } from '../../../src/sip/message.js';
import { parseVia } from '../../../src/sip/parse-via.js';
import { buildResponse, responseDestination, stampTopVia, type ResponseContext, type ResponseSpec } from '../../../src/sip/response.js';
import { REASON_PHRASES } from '../../../src/sip/status.js';
import type { Endpoint } from '../../../src/transport/flow.js';
import { parseRequest } from '../../helpers/rule-context.js';
import { parseResponse } from '../../helpers/sip-response.js';

const REMOTE: Endpoint = { address: '192.0.2.7', port: 40000, family: 'IPv4' };

function via(value: string) {
  const v = parseVia(value);
  if (v === undefined) throw new Error(`test Via did not parse: ${value}`);
  return v;
}

function basis(over: Partial<ResponseBasis> = {}): ResponseBasis {
  const top = over.via?.[0] ?? 'SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKtop';
  return {
    via: [top],
    topVia: 'topVia' in over ? undefined : via(top),
    from: '"Alice" <sip:alice@example.com>;tag=ft1',
    to: '<sip:bob@example.com>',
    toHasTag: false,
    callId: 'abc123@example.com',
    cseq: '7 INVITE',
    method: 'INVITE',
    ...over,
  };
}

function build(b: ResponseBasis, spec: ResponseSpec = { status: 486 }, ctx: Partial<ResponseContext> = {}) {
  const bytes = buildResponse(b, spec, { toTag: 'T4g', server: 'sip4xx-test', remote: REMOTE, ...ctx });
  return { bytes, res: parseResponse(bytes) };
}

describe('buildResponse', () => {
  it('copies every Via in order, stamping only the top one (§8.2.6.2)', () => {
    const vias = [
      'SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bK1',
      'SIP/2.0/TCP proxy.example.com;branch=z9hG4bK2;received=198.51.100.1',
      'SIP/2.0/UDP [2001:db8::9]:5090;branch=z9hG4bK3;rport',
    ];
    const { res } = build(basis({ via: vias, topVia: via(vias[0] as string) }));
    expect(res.getAll('Via')).toEqual(vias);
    expect(res.headers.slice(0, 3).map((h) => h.name)).toEqual(['Via', 'Via', 'Via']);
  });

  it('copies the Via lines of a request with several Vias in one header field in the same order (§7.3.1, §8.2.6.2)', () => {
    const { basis: b } = parseRequest({ via: ['SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKa, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKb', 'SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKc'] });
    const { res } = build(b);
    expect(res.getAll('Via').map((v) => /branch=(\w+)/.exec(v)?.[1])).toEqual(['z9hG4bKa', 'z9hG4bKb', 'z9hG4bKc']);
  });

  it('adds received when the top sent-by differs from the source address (§18.2.1)', () => {
    const top = 'SIP/2.0/UDP client.example.com:5070;branch=z9hG4bKx';
    const { res } = build(basis({ via: [top], topVia: via(top) }));
    expect(res.get('Via')).toBe('SIP/2.0/UDP client.example.com:5070;branch=z9hG4bKx;received=192.0.2.7');
  });

  it('copies the top Via unchanged when sent-by is the source address and no rport was asked (§18.2.1)', () => {
    const top = 'SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKsame';
    expect(build(basis({ via: [top], topVia: via(top) })).res.get('Via')).toBe(top);
  });

  it('fills a bare rport with the source port and adds received even when the address matches (RFC 3581 §4)', () => {
    const top = 'SIP/2.0/UDP 192.0.2.7:5070;rport;branch=z9hG4bKr';
    const { res } = build(basis({ via: [top], topVia: via(top) }));
    expect(res.get('Via')).toBe('SIP/2.0/UDP 192.0.2.7:5070;rport=40000;branch=z9hG4bKr;received=192.0.2.7');
  });

  it('replaces a received the client put in the top Via with the real source (§18.2.1)', () => {
    const top = 'SIP/2.0/UDP 10.1.1.1:5070;received=10.9.9.9;branch=z9hG4bKq';
    expect(build(basis({ via: [top], topVia: via(top) })).res.get('Via')).toBe('SIP/2.0/UDP 10.1.1.1:5070;received=192.0.2.7;branch=z9hG4bKq');
  });

  it('stamps the top Via where its parameters stand, keeping the client spelling and spacing (§18.2.1, RFC 3581 §4)', () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ['SIP/2.0/UDP 10.1.1.1:5070 ; RPORT ; branch=z9hG4bKa', 'SIP/2.0/UDP 10.1.1.1:5070 ; RPORT=40000 ; branch=z9hG4bKa;received=192.0.2.7'],
      ['SIP/2.0/UDP 10.1.1.1;received=10.9.9.9;branch=z9hG4bKb;rport', 'SIP/2.0/UDP 10.1.1.1;received=192.0.2.7;branch=z9hG4bKb;rport=40000'],
      ['SIP/2.0/UDP 10.1.1.1;rport;branch=z9hG4bKc;Received = 10.9.9.9', 'SIP/2.0/UDP 10.1.1.1;rport=40000;branch=z9hG4bKc;Received = 192.0.2.7'],
      // rport with a value is the client's own; only received is ours to write.
      ['SIP/2.0/UDP 10.1.1.1;rport=1234;branch=z9hG4bKd', 'SIP/2.0/UDP 10.1.1.1;rport=1234;branch=z9hG4bKd;received=192.0.2.7'],
    ];
    for (const [top, stamped] of cases) expect(stampTopVia(via(top), REMOTE)).toBe(stamped);
  });

  it('writes one received when the client sent several (§18.2.1)', () => {
    const top = 'SIP/2.0/UDP 10.1.1.1;received=10.9.9.9;branch=z9hG4bKe;received=10.8.8.8;rport';
    expect(stampTopVia(via(top), REMOTE)).toBe('SIP/2.0/UDP 10.1.1.1;received=192.0.2.7;branch=z9hG4bKe;rport=40000');
  });

  it('lists the Via parameters on demand, in order, names lower-cased and values as written', () => {
    expect(via('SIP/2.0/UDP h;Branch=z9hG4bKf ;rport; x="a b"').params).toEqual([
      { name: 'branch', value: 'z9hG4bKf' },
      { name: 'rport', value: undefined },
      { name: 'x', value: '"a b"' },
    ]);
    expect(via('SIP/2.0/UDP h').params).toEqual([]);
  });

  it('compares an IPv6 sent-by in its bracketed form, writing received without brackets (§18.2.1, RFC 5118)', () => {
    const remote: Endpoint = { address: '2001:db8::1', port: 5070, family: 'IPv6' };
    const same = 'SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK6';
    expect(stampTopVia(via(same), remote)).toBe(same);
    const other = 'SIP/2.0/UDP [2001:db8::2]:5070;branch=z9hG4bK6;rport';
    expect(stampTopVia(via(other), remote)).toBe('SIP/2.0/UDP [2001:db8::2]:5070;branch=z9hG4bK6;rport=5070;received=2001:db8::1');
  });

  it('adds a To tag when the request had none (§8.2.6.2)', () => {
    expect(build(basis()).res.get('To')).toBe('<sip:bob@example.com>;tag=T4g');
  });

  it('keeps the To tag the request carried and adds no second one (§8.2.6.2)', () => {
    const { res } = build(basis({ to: '<sip:bob@example.com>;tag=theirs', toHasTag: true }));
    expect(res.get('To')).toBe('<sip:bob@example.com>;tag=theirs');
  });

  it('adds no To tag to a 100 Trying (§8.2.6.1)', () => {
    expect(build(basis(), { status: 100 }).res.get('To')).toBe('<sip:bob@example.com>');
  });

  it('copies From, Call-ID and CSeq byte for byte, including non-UTF-8 bytes in a display name (§8.2.6.2)', () => {
    // latin1 strings carry raw bytes: 0xE9 alone and 0xFF are not UTF-8.
    const from = '"Ren\xe9 \xff" <sip:rene@example.com>;tag=abc;X-Custom=Value';
    const { bytes } = build(basis({ from, callId: 'A%b-c!d~@[2001:db8::1]', cseq: '4711   INVITE' }));
    expect(bytes.includes(Buffer.from(`\r\nFrom: ${from}\r\n`, 'latin1'))).toBe(true);
    expect(bytes.includes(Buffer.from('\r\nCall-ID: A%b-c!d~@[2001:db8::1]\r\n', 'latin1'))).toBe(true);
    expect(bytes.includes(Buffer.from('\r\nCSeq: 4711   INVITE\r\n', 'latin1'))).toBe(true);
    expect(bytes.indexOf(Buffer.from([0xe9, 0x20, 0xff]))).toBeGreaterThan(0);
  });

  it('writes the mandatory headers in order: Via, From, To, Call-ID, CSeq, then the rule headers, Server, Content-Length (§8.2.6)', () => {
    const { res } = build(basis(), { status: 486, headers: [['Retry-After', '60']] });
    expect(res.headers.map((h) => h.name)).toEqual(['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Retry-After', 'Server', 'Content-Length']);
  });

  it('writes Content-Length 0 and nothing after the empty line when there is no body (§20.14)', () => {
    const { bytes, res } = build(basis());
    expect(res.get('Content-Length')).toBe('0');
    expect(bytes.subarray(-4).toString('latin1')).toBe('\r\n\r\n');
  });

  it('counts Content-Length in bytes of a UTF-8 body, not in characters (§20.14)', () => {
    const content = 'v=0\r\ns=Zürich → 東京\r\n';
    const { res } = build(basis(), { status: 488, body: { type: 'application/sdp', content } });
    expect(res.get('Content-Type')).toBe('application/sdp');
    expect(Number(res.get('Content-Length'))).toBe(Buffer.byteLength(content, 'utf8'));
    expect(res.body.toString('utf8')).toBe(content);
  });

  it('sends a Buffer body as it is (§7.4)', () => {
    const content = Buffer.from([0, 1, 2, 0xff]);
    const { res } = build(basis(), { status: 415, body: { type: 'application/octet-stream', content } });
    expect(res.get('Content-Length')).toBe('4');
    expect(res.body.equals(content)).toBe(true);
  });

  it('adds the configured Server header, UTF-8 encoded, and none when it is empty (§20.35)', () => {
    expect(build(basis()).res.get('Server')).toBe('sip4xx-test');
    const { bytes } = build(basis(), { status: 486 }, { server: 'sip4xx – tëst' });
    expect(bytes.includes(Buffer.from('\r\nServer: sip4xx – tëst\r\n', 'utf8'))).toBe(true);
    expect(build(basis(), { status: 486 }, { server: '' }).res.get('Server')).toBeUndefined();
  });

  it.each(Object.entries(REASON_PHRASES).map(([code, phrase]) => [Number(code), phrase] as const))(
    'uses the registered reason phrase for %i by default (§21)',
    (code, phrase) => {
      const { bytes } = build(basis(), { status: code });
      expect(bytes.toString('latin1').split('\r\n')[0]).toBe(`SIP/2.0 ${code} ${phrase}`);
    },
  );

  it('falls back to the class phrase for an unregistered code (§21)', () => {
    expect(build(basis(), { status: 499 }).res.reason).toBe('Client Error');
  });

  it('uses a custom reason phrase, UTF-8 encoded (§7.2, §21.4.18)', () => {
    const { bytes } = build(basis(), { status: 480, reason: 'Gone fishing – bientôt' });
    expect(bytes.subarray(0, bytes.indexOf('\r\n')).toString('utf8')).toBe('SIP/2.0 480 Gone fishing – bientôt');
  });

  it('turns CR and LF in text it adds (reason, header values, Server) into spaces, so config cannot forge header fields (§7.1, §7.3)', () => {
    const { bytes, res } = build(basis(), { status: 480, reason: 'Away\r\nX-Forged: 1', headers: [['Retry-After', '60\r\nX-Forged: 2']] }, { server: 's\nX-Forged: 3' });
    expect(res.reason).toBe('Away  X-Forged: 1');
    expect(res.get('Retry-After')).toBe('60  X-Forged: 2');
    expect(res.get('Server')).toBe('s X-Forged: 3');
    expect(res.getAll('X-Forged')).toEqual([]);
    expect(bytes.toString('latin1').split('\r\n\r\n')).toEqual([expect.any(String), '']); // one header block, no body
  });

  it('answers a request broken before From/To/Call-ID/CSeq could be read with what it has (§8.2.6)', () => {
    const { res } = build(basis({ from: undefined, to: undefined, callId: undefined, cseq: undefined }), { status: 400, reason: 'Missing Call-ID header field' });
    expect(res.headers.map((h) => h.name)).toEqual(['Via', 'Server', 'Content-Length']);
    expect(res.reason).toBe('Missing Call-ID header field');
  });
});

describe('responseDestination', () => {
  const dest = (top: string, remote: Endpoint = REMOTE) => responseDestination(basis({ via: [top], topVia: via(top) }), remote);

  it('sends to the source address and the sent-by port when there is no rport (§18.2.2)', () => {
    expect(dest('SIP/2.0/UDP client.example.com:5080;branch=z9hG4bK1')).toEqual({ address: '192.0.2.7', port: 5080 });
  });

  it('uses port 5060 when sent-by names no port (§18.2.2, §19.1.2)', () => {
    expect(dest('SIP/2.0/UDP client.example.com;branch=z9hG4bK1')).toEqual({ address: '192.0.2.7', port: 5060 });
  });

  it('sends to the source port when the request asked for rport (RFC 3581 §4)', () => {
    expect(dest('SIP/2.0/UDP client.example.com:5080;rport;branch=z9hG4bK1')).toEqual({ address: '192.0.2.7', port: 40000 });
  });

  it('ignores maddr, so a request cannot aim our responses at a third party (§18.2.2)', () => {
    expect(dest('SIP/2.0/UDP client.example.com:5080;maddr=203.0.113.9;branch=z9hG4bK1')).toEqual({ address: '192.0.2.7', port: 5080 });
  });

  it('sends to the source port when sent-by names port 0, which no datagram can reach (§25.1, §18.2.2)', () => {
    expect(dest('SIP/2.0/UDP client.example.com:0;branch=z9hG4bK1')).toEqual({ address: '192.0.2.7', port: 40000 });
    expect(dest('SIP/2.0/UDP 192.0.2.7:00000;branch=z9hG4bK1')).toEqual({ address: '192.0.2.7', port: 40000 });
  });

  it('answers a stream request with no usable Via to the connection peer (§18.2.2)', () => {
    expect(responseDestination(basis({ via: ['garbage'], topVia: undefined }), REMOTE)).toEqual({ address: '192.0.2.7', port: 40000 });
  });

  it('keeps an IPv6 source address as it is (RFC 5118)', () => {
    const remote: Endpoint = { address: '2001:db8::1', port: 5999, family: 'IPv6' };
    expect(dest('SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK1', remote)).toEqual({ address: '2001:db8::1', port: 5070 });
  });
});
