import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/sip/parse.js';
import type { ParseOutcome } from '../../../src/sip/parse-outcome.js';
import type { SipRequest } from '../../../src/sip/message.js';
import { BASE_HEADERS, LIMITS, sipRequest, withHeader, type BuildOptions } from './fixtures/request-builder.js';

function parse(o: BuildOptions, stream = false): ParseOutcome {
  return parseMessage(sipRequest(o), LIMITS, stream);
}

function parsed(o: BuildOptions, stream = false): SipRequest {
  const out = parse(o, stream);
  if (out.kind !== 'request') throw new Error(`expected a request, got ${JSON.stringify(out.kind === 'reject' ? out.reason : out.why)}`);
  return out.request;
}

describe('parseMessage: valid but unusual requests', () => {
  const cases: ReadonlyArray<{ readonly title: string; readonly o: BuildOptions; readonly check: (r: SipRequest) => void }> = [
    {
      title: 'accepts the compact header forms v f t i m l c k s (§7.3.3)',
      o: {
        headers: [
          'v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1',
          't: <sip:bob@example.com>',
          'f: <sip:alice@example.com>;tag=1',
          'i: abc@host',
          'CSeq: 1 INVITE',
          'm: <sip:alice@192.0.2.1>',
          'c: application/sdp',
          'k: timer',
          's: hello',
          'l: 3',
        ],
        body: 'v=0',
        contentLength: 'none',
      },
      check: (r) => {
        expect(r.via[0]?.branch).toBe('z9hG4bK1');
        expect(r.callId).toBe('abc@host');
        expect(r.contentType).toBe('application/sdp');
        expect(r.supported).toEqual(['timer']);
        expect(r.body.toString()).toBe('v=0');
        expect(r.headers.map((h) => h.name)).toContain('subject');
      },
    },
    {
      title: 'matches header names case-insensitively (§7.3.1)',
      o: { headers: ['VIA: SIP/2.0/UDP h.example.com;branch=z9hG4bK2', 'tO: <sip:b@example.com>', 'fRoM: <sip:a@example.com>;tag=2', 'cAlL-iD: x', 'cseq: 2 INVITE', 'MAX-FORWARDS: 1'] },
      check: (r) => {
        expect(r.callId).toBe('x');
        expect(r.maxForwards).toBe(1);
      },
    },
    {
      title: 'unfolds header lines continued with whitespace into one space each (§7.3.1)',
      o: { headers: withHeader('From', 'From: Alice\r\n  <sip:alice@example.com>\r\n\t;tag=77').concat('Subject: I know\r\n   you are there') },
      check: (r) => {
        expect(r.from.tag).toBe('77');
        expect(r.from.displayName).toBe('Alice');
        expect(r.headers.find((h) => h.name === 'subject')?.value).toBe('I know you are there');
      },
    },
    {
      title: 'reads Content-Length and Max-Forwards with leading zeros, folded or not (§20.14, §20.22)',
      o: { headers: [...withHeader('Max-Forwards', 'Max-Forwards:\r\n 0000000000070'), 'Content-Length: 000000000000003'], body: 'v=0', contentLength: 'none' },
      check: (r) => {
        expect(r.maxForwards).toBe(70);
        expect(r.contentLength).toBe(3);
        expect(r.body.toString()).toBe('v=0');
      },
    },
    {
      title: 'lists every header field in arrival order: canonical names, unfolded and trimmed values (§7.3)',
      o: {
        headers: [
          'v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK9',
          'To :  <sip:bob@example.com>  ',
          'f: <sip:alice@example.com>;tag=9',
          'Call-ID: list@host',
          'CSeq: 9 INVITE',
          'X-Folded: one\r\n two\r\n\tthree',
          'Subject:',
          'X-UPPER: Keeps Case',
        ],
        contentLength: 'none',
      },
      check: (r) => {
        expect(r.headers.map((h) => [h.name, h.value])).toEqual([
          ['via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK9'],
          ['to', '<sip:bob@example.com>'],
          ['from', '<sip:alice@example.com>;tag=9'],
          ['call-id', 'list@host'],
          ['cseq', '9 INVITE'],
          ['x-folded', 'one two three'],
          ['subject', ''],
          ['x-upper', 'Keeps Case'],
        ]);
        // Built once, on first read.
        expect(r.headers).toBe(r.headers);
      },
    },
    {
      title: 'splits several via-parms on one Via line, in order (§7.3.1, §20.42)',
      o: { headers: withHeader('Via', 'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1 , SIP/2.0/TCP b.example.com:5070;branch=z9hG4bK2,SIP/2.0/TLS c.example.com') },
      check: (r) => {
        expect(r.via.map((v) => [v.host, v.transport, v.port])).toEqual([
          ['a.example.com', 'UDP', undefined],
          ['b.example.com', 'TCP', 5070],
          ['c.example.com', 'TLS', undefined],
        ]);
      },
    },
    {
      title: 'accepts IPv6 references in Via and in URIs (§25.1, RFC 5954)',
      o: {
        start: 'INVITE sip:bob@[2001:db8::1]:5070 SIP/2.0',
        headers: withHeader('Via', 'Via: SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bK3;received=2001:db8::10;rport'),
      },
      check: (r) => {
        expect(r.uri).toMatchObject({ host: '[2001:db8::1]', port: 5070 });
        expect(r.via[0]).toMatchObject({ host: '[2001:db8::9]', port: 5060, received: '2001:db8::10', rport: true });
      },
    },
    {
      title: 'keeps %-escapes in URIs as received (§19.1.4: decoded only where compared)',
      o: { start: 'INVITE sip:b%6Fb@example.com;tr%61nsport=tcp SIP/2.0' },
      check: (r) => expect(r.uri).toMatchObject({ user: 'b%6Fb', params: [{ name: 'tr%61nsport', value: 'tcp' }] }),
    },
    {
      title: 'accepts tel URIs in the Request-URI and To (RFC 3966)',
      o: { start: 'INVITE tel:+1-201-555-0123;phone-context=example.com SIP/2.0', headers: withHeader('To', 'To: <tel:+12015550123>') },
      check: (r) => {
        expect(r.uri).toMatchObject({ scheme: 'tel', user: '+1-201-555-0123', params: [{ name: 'phone-context', value: 'example.com' }] });
        expect(r.to.uri).toMatchObject({ scheme: 'tel', user: '+12015550123' });
      },
    },
    {
      title: 'accepts an empty Supported header (§20.37: *option-tag)',
      o: { headers: [...BASE_HEADERS, 'Supported:'] },
      check: (r) => expect(r.supported).toEqual([]),
    },
    {
      title: 'collects Require, Proxy-Require and Supported tags over several lines (§7.3.1)',
      o: { headers: [...BASE_HEADERS, 'Require: 100rel ,timer', 'Supported: path', 'Proxy-Require: foo', 'Supported: gruu, outbound'] },
      check: (r) => {
        expect(r.require).toEqual(['100rel', 'timer']);
        expect(r.proxyRequire).toEqual(['foo']);
        expect(r.supported).toEqual(['path', 'gruu', 'outbound']);
      },
    },
    {
      title: 'ignores CRLFs before the start line (§7.5)',
      o: { prefix: '\r\n\r\n\r\n' },
      check: (r) => expect(r.method).toBe('INVITE'),
    },
    {
      title: 'accepts leading zeros in CSeq, Max-Forwards, Content-Length and ports (1*DIGIT, §25.1)',
      o: { start: 'INVITE sip:bob@example.com:05060 SIP/2.0', headers: withHeader('CSeq', 'CSeq: 0007 INVITE').map((h) => (h.startsWith('Max-Forwards') ? 'Max-Forwards: 0070' : h)), body: 'ab' },
      check: (r) => {
        expect(r.cseq.seq).toBe(7);
        expect(r.maxForwards).toBe(70);
        expect(r.uri.port).toBe(5060);
      },
    },
    {
      title: 'truncates a UDP body to a shorter Content-Length (§18.3)',
      o: { headers: [...BASE_HEADERS, 'Content-Length: 3'], body: 'abcdef', contentLength: 'none' },
      check: (r) => expect(r.body.toString()).toBe('abc'),
    },
    {
      title: 'takes the rest of a UDP datagram as the body when Content-Length is absent (§18.3)',
      o: { body: 'v=0\r\n', contentLength: 'none' },
      check: (r) => {
        expect(r.contentLength).toBeUndefined();
        expect(r.body.toString()).toBe('v=0\r\n');
      },
    },
    {
      title: 'accepts Contact: * and keeps it apart from a contact list (§10.2.2)',
      o: { start: 'REGISTER sip:example.com SIP/2.0', headers: withHeader('CSeq', 'CSeq: 2 REGISTER').map((h) => (h.startsWith('Contact') ? 'Contact: *' : h)).concat('Expires: 0') },
      check: (r) => expect(r.contact).toBe('*'),
    },
    {
      title: 'joins Contact values from a list and from several lines, in order (§20.10)',
      o: { headers: withHeader('Contact', 'Contact: <sip:a@h1>;q=0.7, "B, Jr" <sip:b@h2>').concat('m: sip:c@h3;expires=60') },
      check: (r) => expect(r.contact).toMatchObject([{ uri: { user: 'a' } }, { displayName: '"B, Jr"', uri: { user: 'b' } }, { uri: { user: 'c' }, params: [{ name: 'expires', value: '60' }] }]),
    },
    {
      title: 'keeps unknown headers raw and in arrival order (§7.3)',
      o: { headers: [...BASE_HEADERS, 'X-Weird: ;;,,<"', 'P-Asserted-Identity: <sip:a@b>'] },
      check: (r) => expect(r.headers.slice(-3).map((h) => [h.name, h.value])).toEqual([['x-weird', ';;,,<"'], ['p-asserted-identity', '<sip:a@b>'], ['content-length', '0']]),
    },
    {
      title: 'lower-cases Content-Type to type/subtype and ignores its parameters (§20.15)',
      o: { headers: [...BASE_HEADERS, 'Content-Type: Application/SDP ; charset=utf-8'], body: 'x' },
      check: (r) => expect(r.contentType).toBe('application/sdp'),
    },
    {
      title: 'accepts a GMT Date in rfc1123 form (§20.17)',
      o: { headers: [...BASE_HEADERS, 'Date: Sat, 13 Nov 2010 23:29:00 GMT'] },
      check: (r) => expect(r.method).toBe('INVITE'),
    },
  ];
  it.each(cases)('$title', ({ o, check }) => check(parsed(o)));
});

interface Bad {
  readonly title: string;
  readonly o: BuildOptions;
  readonly status: number;
  readonly reason: string;
  readonly stream?: boolean;
}

const bad: readonly Bad[] = [
  { title: 'double spaces in the Request-Line (§7.1)', o: { start: 'INVITE  sip:bob@example.com SIP/2.0' }, status: 400, reason: 'Malformed Request-Line' },
  { title: 'a Request-Line without a version (§7.1)', o: { start: 'INVITE sip:bob@example.com' }, status: 400, reason: 'Malformed Request-Line' },
  { title: 'a method that is not a token (§25.1)', o: { start: 'INV@TE sip:bob@example.com SIP/2.0' }, status: 400, reason: 'Malformed Request-Line' },
  { title: 'a version that is not SIP-Version (§25.1)', o: { start: 'INVITE sip:bob@example.com HTTP/1.1' }, status: 400, reason: 'Malformed SIP-Version' },
  { title: 'a version other than 2.0 (§21.5.6)', o: { start: 'INVITE sip:bob@example.com SIP/3.0' }, status: 505, reason: 'Version Not Supported' },
  { title: 'a Request-URI over the limit (§21.4.12)', o: { start: `INVITE sip:${'a'.repeat(300)}@example.com SIP/2.0` }, status: 414, reason: 'Request-URI Too Long' },
  { title: 'a header line without a colon (§7.3.1)', o: { headers: [...BASE_HEADERS, 'NoColonHere'] }, status: 400, reason: 'Malformed header field line' },
  { title: 'a colon only on a continuation line (§25.1 HCOLON allows no fold)', o: { headers: [...BASE_HEADERS, 'Subject\r\n : hi'] }, status: 400, reason: 'Malformed header field line' },
  { title: 'a header name with a space inside (§25.1 token)', o: { headers: [...BASE_HEADERS, 'Sub ject: x'] }, status: 400, reason: 'Malformed header field line' },
  { title: 'a continuation line with no header above it (§7.3.1)', o: { start: 'INVITE sip:bob@example.com SIP/2.0\r\n  folded: x' }, status: 400, reason: 'Malformed header folding' },
  { title: 'a bare LF inside a header value (§7.3.1)', o: { headers: [...BASE_HEADERS, 'Subject: a\nb'] }, status: 400, reason: 'Bare CR or LF in a header field' },
  { title: 'a bare CR inside a header value (§7.3.1)', o: { headers: [...BASE_HEADERS, 'Subject: a\rb'] }, status: 400, reason: 'Bare CR or LF in a header field' },
  { title: 'a bare LF inside a folded line (§7.3.1)', o: { headers: [...BASE_HEADERS, 'Subject: a\r\n b\nc'] }, status: 400, reason: 'Bare CR or LF in a header field' },
  { title: 'a malformed Via on a stream (§20.42)', o: { headers: withHeader('Via', 'Via: SIP/2.0/UDP') }, status: 400, reason: 'Malformed Via header field', stream: true },
  { title: 'a malformed lower Via, answered to the top one over UDP (§18.2.2)', o: { headers: [...BASE_HEADERS, 'Via: SIP/2.0/UDP bad host'] }, status: 400, reason: 'Malformed Via header field' },
  { title: 'no Via on a stream (§8.1.1.7)', o: { headers: withHeader('Via', undefined) }, status: 400, reason: 'Missing Via header field', stream: true },
  ...(['From', 'To', 'Call-ID', 'CSeq'] as const).map((h) => ({
    title: `no ${h} (§8.1.1)`,
    o: { headers: withHeader(h, undefined) },
    status: 400,
    reason: `Missing ${h} header field`,
  })),
  ...(['From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Content-Type'] as const).map((h) => ({
    title: `two ${h} header fields (§20)`,
    o: { headers: [...BASE_HEADERS, BASE_HEADERS.find((l) => l.startsWith(h)) ?? `${h}: application/sdp`, ...(h === 'Content-Type' ? ['Content-Type: text/plain'] : [])] },
    status: 400,
    reason: `Multiple ${h} header fields`,
  })),
  { title: 'two Content-Length header fields (§20.14)', o: { headers: [...BASE_HEADERS, 'Content-Length: 0'] }, status: 400, reason: 'Multiple Content-Length header fields' },
  { title: 'no empty line after the headers (§7)', o: { terminated: false }, status: 400, reason: 'Missing empty line after header fields' },
  { title: 'a negative Content-Length (§20.14)', o: { headers: [...BASE_HEADERS, 'Content-Length: -1'], contentLength: 'none' }, status: 400, reason: 'Malformed Content-Length header field' },
  { title: 'a Content-Length with two numbers (§20.14)', o: { headers: [...BASE_HEADERS, 'Content-Length: 1 2'], contentLength: 'none' }, status: 400, reason: 'Malformed Content-Length header field' },
  { title: 'an empty Content-Length (§20.14: 1*DIGIT)', o: { headers: [...BASE_HEADERS, 'Content-Length:'], contentLength: 'none' }, status: 400, reason: 'Malformed Content-Length header field' },
  { title: 'a Content-Length of eleven significant digits (past the ten parseDigits keeps exact)', o: { headers: [...BASE_HEADERS, 'Content-Length: 12345678901'], contentLength: 'none' }, status: 400, reason: 'Malformed Content-Length header field' },
  { title: 'a Content-Length over the body limit (§21.4.11)', o: { headers: [...BASE_HEADERS, 'Content-Length: 5000'], contentLength: 'none' }, status: 413, reason: 'Request Entity Too Large' },
  { title: 'an unannounced UDP body over the limit (§21.4.11)', o: { body: 'x'.repeat(5000), contentLength: 'none' }, status: 413, reason: 'Request Entity Too Large' },
  { title: 'a Content-Length larger than the UDP body (§18.3)', o: { headers: [...BASE_HEADERS, 'Content-Length: 10'], body: 'abc', contentLength: 'none' }, status: 400, reason: 'Content-Length larger than the message body' },
  { title: 'no Content-Length on a stream (§18.3)', o: { contentLength: 'none' }, status: 400, reason: 'Missing Content-Length header field', stream: true },
  { title: 'a From that is not a name-addr (§20.20)', o: { headers: withHeader('From', 'From: <sip:alice@example.com;tag=1') }, status: 400, reason: 'Malformed From header field' },
  { title: 'a To with a quoted tag (§25.1 tag-param = token)', o: { headers: withHeader('To', 'To: <sip:bob@example.com>;tag="x"') }, status: 400, reason: 'Malformed To header field' },
  { title: 'a Call-ID with a space (§25.1 callid)', o: { headers: withHeader('Call-ID', 'Call-ID: a b') }, status: 400, reason: 'Malformed Call-ID header field' },
  { title: 'a Call-ID with two @ (§25.1 callid)', o: { headers: withHeader('Call-ID', 'Call-ID: a@b@c') }, status: 400, reason: 'Malformed Call-ID header field' },
  { title: 'a CSeq without LWS before the method (§20.16)', o: { headers: withHeader('CSeq', 'CSeq: 1INVITE') }, status: 400, reason: 'Malformed CSeq header field' },
  { title: 'a CSeq number of 2**31 (§8.1.1.5)', o: { headers: withHeader('CSeq', 'CSeq: 2147483648 INVITE') }, status: 400, reason: 'Malformed CSeq header field' },
  { title: 'a CSeq without a number (§20.16)', o: { headers: withHeader('CSeq', 'CSeq: INVITE') }, status: 400, reason: 'Malformed CSeq header field' },
  { title: 'a CSeq method unlike the request method (§8.1.1.5)', o: { headers: withHeader('CSeq', 'CSeq: 1 OPTIONS') }, status: 400, reason: 'CSeq method does not match request method' },
  { title: 'a CSeq method differing only in case (§7.1: methods are case-sensitive)', o: { headers: withHeader('CSeq', 'CSeq: 1 invite') }, status: 400, reason: 'CSeq method does not match request method' },
  { title: 'Max-Forwards of 256 (§20.22)', o: { headers: withHeader('Max-Forwards', 'Max-Forwards: 256') }, status: 400, reason: 'Malformed Max-Forwards header field' },
  { title: 'a non-numeric Max-Forwards (§20.22)', o: { headers: withHeader('Max-Forwards', 'Max-Forwards: ten') }, status: 400, reason: 'Malformed Max-Forwards header field' },
  { title: 'an empty Require (§20.32 needs an option-tag)', o: { headers: [...BASE_HEADERS, 'Require:'] }, status: 400, reason: 'Malformed Require header field' },
  { title: 'an empty item in Proxy-Require (§20.29)', o: { headers: [...BASE_HEADERS, 'Proxy-Require: a,,b'] }, status: 400, reason: 'Malformed Proxy-Require header field' },
  { title: 'option tags without a comma in Supported (§20.37)', o: { headers: [...BASE_HEADERS, 'Supported: a b'] }, status: 400, reason: 'Malformed Supported header field' },
  { title: 'a Content-Type without a subtype (§20.15)', o: { headers: [...BASE_HEADERS, 'Content-Type: application'] }, status: 400, reason: 'Malformed Content-Type header field' },
  { title: 'a Content-Type with an empty parameter (§20.15)', o: { headers: [...BASE_HEADERS, 'Content-Type: text/plain;'] }, status: 400, reason: 'Malformed Content-Type header field' },
  { title: 'a Date outside GMT (§20.17, RFC 4475 §3.1.2.12)', o: { headers: [...BASE_HEADERS, 'Date: Sat, 13 Nov 2010 23:29:00 PST'] }, status: 400, reason: 'Malformed Date header field' },
  { title: 'a Date with a bad month (§20.17)', o: { headers: [...BASE_HEADERS, 'Date: Sat, 13 Noe 2010 23:29:00 GMT'] }, status: 400, reason: 'Malformed Date header field' },
  { title: 'a Contact * beside another contact (§10.2.2)', o: { headers: [...BASE_HEADERS, 'Contact: *'] }, status: 400, reason: 'Malformed Contact header field' },
  { title: 'an unclosed <> in Contact (§20.10)', o: { headers: withHeader('Contact', 'Contact: <sip:a@b, <sip:c@d>') }, status: 400, reason: 'Malformed Contact header field' },
  { title: 'a Request-URI without a host (§19.1.1)', o: { start: 'INVITE sip:bob@ SIP/2.0' }, status: 400, reason: 'Malformed Request-URI' },
  { title: 'a Request-URI with port 65536 (§19.1.1)', o: { start: 'INVITE sip:bob@example.com:65536 SIP/2.0' }, status: 400, reason: 'Malformed Request-URI' },
  { title: 'a Request-URI with headers (§19.1.1, RFC 4475 §3.1.2.11)', o: { start: 'INVITE sip:bob@example.com?Subject=x SIP/2.0' }, status: 400, reason: 'Request-URI must not contain headers' },
];

describe('parseMessage: malformed requests', () => {
  it.each(bad)('answers $status "$reason" to $title', ({ o, status, reason, stream }) => {
    const out = parse(o, stream ?? false);
    expect(out.kind === 'reject' ? { status: out.status, reason: out.reason } : out).toEqual({ status, reason });
  });

  it('keeps the first fault when a request has several (§21.4.1: one reason phrase)', () => {
    const out = parse({ start: 'INVITE sip:bob@example.com SIP/2.0', headers: [...withHeader('From', undefined), 'Bad Line'] });
    expect(out).toMatchObject({ kind: 'reject', reason: 'Malformed header field line' });
  });

  it('still copies Via, From, To, Call-ID and CSeq into the basis of a rejected request (§8.2.6.2)', () => {
    const out = parse({ headers: withHeader('Max-Forwards', 'Max-Forwards: 999') });
    expect(out.kind).toBe('reject');
    if (out.kind !== 'reject') return;
    expect(out.basis).toMatchObject({
      via: ['SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds'],
      from: 'Alice <sip:alice@example.com>;tag=1928301774',
      to: 'Bob <sip:bob@example.com>',
      toHasTag: false,
      callId: 'a84b4c76e66710@pc33.example.com',
      cseq: '314159 INVITE',
      method: 'INVITE',
    });
    expect(out.basis.topVia?.branch).toBe('z9hG4bK776asdhds');
  });

  it('never copies a value holding a bare CR or LF into the basis (§7.3.1)', () => {
    const out = parse({ headers: withHeader('From', 'From: <sip:a@b>;tag=1\nInjected: yes') });
    expect(out).toMatchObject({ kind: 'reject', basis: { from: undefined } });
  });
});

describe('parseMessage: what is dropped', () => {
  const drops: ReadonlyArray<{ readonly title: string; readonly data: Buffer; readonly why: string; readonly stream?: boolean }> = [
    { title: 'a response (§18.2.1)', data: Buffer.from('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n'), why: 'response received' },
    { title: 'a response with a lower-case status line (§7.2, §25.1 literals are case-insensitive)', data: Buffer.from('sip/2.0 180 Ringing\r\n\r\n'), why: 'response received' },
    { title: 'an empty datagram', data: Buffer.alloc(0), why: 'empty message' },
    { title: 'a keep-alive of CRLFs (RFC 5626 §4.4.1)', data: Buffer.from('\r\n\r\n'), why: 'empty message' },
    { title: 'a UDP request without Via: no address to answer (§18.2.2)', data: sipRequest({ headers: withHeader('Via', undefined) }), why: 'no Via' },
    { title: 'a UDP request whose top Via is malformed (§18.2.2)', data: sipRequest({ headers: withHeader('Via', 'Via: SIP/2.0/UDP 192.0.2.1;branch') }), why: 'malformed top Via' },
  ];
  it.each(drops)('drops $title', ({ data, why, stream }) => {
    expect(parseMessage(data, LIMITS, stream ?? false)).toEqual({ kind: 'drop', why });
  });
});
