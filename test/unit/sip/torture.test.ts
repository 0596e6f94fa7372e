/**
 * RFC 4475 torture messages through the parser. Valid messages (§3.1.1) must parse with the fields
 * the RFC describes; invalid ones (§3.1.2) must be refused with a 400 (505 for badvers) whose
 * reason names the fault; the application-layer cases (§3.3) are valid syntax and reach the rules.
 * Responses (unreason, noreason, scalarlg, bigcode, bcast) are dropped: a server never answers a
 * response (§18.2.1; design decision), so their only requirement here is not to crash.
 */
import { describe, expect, it } from 'vitest';
import type { SipRequest } from '../../../src/sip/message.js';
import { parseMessage } from '../../../src/sip/parse.js';
import type { ParseOutcome } from '../../../src/sip/parse-outcome.js';
import { torture } from './fixtures/rfc4475.js';

const LIMITS = { maxRequestUriBytes: 4096, maxBodyBytes: 65536 };

type Expectation =
  | { readonly kind: 'request'; readonly check: (r: SipRequest) => void }
  | { readonly kind: 'reject'; readonly status: number; readonly reason: string }
  | { readonly kind: 'drop'; readonly why: string };

interface Case {
  readonly name: string;
  readonly section: string;
  readonly title: string;
  readonly stream?: boolean;
  readonly expect: Expectation;
}

const request = (check: (r: SipRequest) => void): Expectation => ({ kind: 'request', check });
const reject = (status: number, reason: string): Expectation => ({ kind: 'reject', status, reason });
const drop = (why: string): Expectation => ({ kind: 'drop', why });

const CASES: readonly Case[] = [
  {
    name: 'wsinv',
    section: '3.1.1.1',
    title: 'a short tortuous INVITE (folding, LWS, compact forms, leading zeros)',
    expect: request((r) => {
      expect(r.method).toBe('INVITE');
      expect(r.uri).toMatchObject({ user: 'vivekg', host: 'chair-dnrc.example.com', params: [{ name: 'unknownparam', value: undefined }] });
      expect(r.to.tag).toBe('1918181833n');
      expect(r.from.displayName).toBe('"J Rosenberg \\\\\\""');
      expect(r.from.tag).toBe('98asjd8');
      expect(r.maxForwards).toBe(68);
      expect(r.cseq).toEqual({ seq: 9, method: 'INVITE' });
      expect(r.via.map((v) => [v.transport, v.host, v.branch])).toEqual([
        ['UDP', '192.0.2.2', '390skdjuw'],
        ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
        ['UDP', '192.168.255.111', 'z9hG4bK30239'],
      ]);
      expect(r.contact).toMatchObject([
        { displayName: '"Quoted string \\"\\""', uri: { user: 'jdrosen' }, params: [{ name: 'newparam', value: 'newvalue' }, { name: 'secondparam', value: undefined }, { name: 'q', value: '0.33' }] },
      ]);
      expect(r.headers.find((h) => h.name === 'subject')?.value).toBe('');
      expect(r.headers.find((h) => h.name === 'newfangledheader')?.value).toBe('newfangled value continued newfangled value');
      expect(r.headers.find((h) => h.name === 'unknownheaderwithunusualvalue')?.value).toBe(';;,,;;,;');
      expect(r.contentType).toBe('application/sdp');
      expect(r.body.length).toBe(150);
    }),
  },
  {
    name: 'intmeth',
    section: '3.1.1.2',
    title: 'a wide range of valid characters (token method, quoted NUL, UTF-8 values)',
    expect: request((r) => {
      expect(r.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
      expect(r.uri.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
      expect(r.uri.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
      expect(r.uri.host).toBe('example.com');
      expect(r.via[0]?.branch).toBe("z9hG4bK-.!%66*_+`'~");
      expect(r.to.displayName).toBe('"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f"');
      expect(r.from.displayName).toBe("token1~` token2'+_ token3*%!.-");
      expect(r.from.tag).toBe("_token~1'+`*%!-.");
      expect(r.callId).toBe("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
      expect(r.cseq.seq).toBe(139122385);
      expect(r.maxForwards).toBe(255);
    }),
  },
  {
    name: 'esc01',
    section: '3.1.1.3',
    title: 'valid use of the % escaping mechanism',
    expect: request((r) => {
      expect(r.uri.user).toBe('sips%3Auser%40example.com');
      expect(r.uri.host).toBe('example.net');
      expect(r.to.uri.user).toBe('%75se%72');
      expect(r.from.uri.user).toBe('I%20have%20spaces');
      expect(r.contact).toMatchObject([{ uri: { user: 'cal%6Cer', params: [{ name: '%6c%72' }, { name: 'n%61me', value: 'v%61lue%25%34%31' }] } }]);
      expect(r.contentType).toBe('application/sdp');
    }),
  },
  {
    name: 'escnull',
    section: '3.1.1.4',
    title: 'escaped NULs in URIs',
    expect: request((r) => {
      expect(r.to.uri.user).toBe('null-%00-null');
      expect(r.contact).toMatchObject([{ uri: { user: '%00' } }, { uri: { user: '%00%00' } }]);
      expect(r.contentLength).toBe(0);
    }),
  },
  {
    name: 'esc02',
    section: '3.1.1.5',
    title: 'use of % when it is not an escape',
    expect: request((r) => {
      expect(r.method).toBe('RE%47IST%45R');
      expect(r.cseq.method).toBe('RE%47IST%45R');
      expect(r.via[0]?.branch).toBe('z9hG4bK209%fzsnel234');
      // C%6Fntact is an unknown header, not a third Contact.
      expect(r.contact).toHaveLength(2);
      expect(r.headers.some((h) => h.name === 'c%6fntact')).toBe(true);
    }),
  },
  {
    name: 'lwsdisp',
    section: '3.1.1.6',
    title: 'no LWS between display name and <',
    expect: request((r) => {
      expect(r.from.displayName).toBe('caller');
      expect(r.from.uri.user).toBe('caller');
    }),
  },
  {
    name: 'longreq',
    section: '3.1.1.7',
    title: 'long values in header fields',
    expect: request((r) => {
      expect(r.to.uri.port).toBe(6000);
      expect(r.from.tag).toBe(`12${'982'.repeat(50)}424`);
      expect(r.via).toHaveLength(34);
      expect(r.via[33]?.branch).toBe(`very${'long'.repeat(50)}branchvalue`);
      expect(r.via[33]?.received).toBe('192.0.2.5');
      expect(r.callId).toBe(`longreq.one${'really'.repeat(20)}longcallid`);
    }),
  },
  {
    name: 'dblreq',
    section: '3.1.1.8',
    title: 'extra trailing octets in a UDP datagram',
    expect: request((r) => {
      expect(r.method).toBe('REGISTER');
      expect(r.contentLength).toBe(0);
      expect(r.body.length).toBe(0);
    }),
  },
  {
    name: 'semiuri',
    section: '3.1.1.9',
    title: 'semicolon-separated parameters in the URI user part',
    expect: request((r) => {
      expect(r.uri.user).toBe('user;par=u%40example.net');
      expect(r.uri.host).toBe('example.com');
      expect(r.uri.params).toEqual([]);
    }),
  },
  {
    name: 'transports',
    section: '3.1.1.10',
    title: 'varied and unknown transport types',
    expect: request((r) => {
      expect(r.via.map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
    }),
  },
  {
    name: 'mpart01',
    section: '3.1.1.11',
    title: 'a multipart MIME message with a binary part',
    expect: request((r) => {
      expect(r.contentType).toBe('multipart/mixed');
      expect(r.body.length).toBe(553);
    }),
  },
  { name: 'unreason', section: '3.1.1.12', title: 'a response with an unusual reason phrase', expect: drop('response received') },
  { name: 'noreason', section: '3.1.1.13', title: 'a response with an empty reason phrase', expect: drop('response received') },

  { name: 'badinv01', section: '3.1.2.1', title: 'extraneous header field separators (over TCP)', stream: true, expect: reject(400, 'Malformed Via header field') },
  // Over UDP the malformed top Via leaves no address to answer (§18.2.2), so the request is dropped.
  { name: 'badinv01', section: '3.1.2.1', title: 'extraneous header field separators (over UDP)', expect: drop('malformed top Via') },
  { name: 'clerr', section: '3.1.2.2', title: 'Content-Length larger than the message', expect: reject(400, 'Content-Length larger than the message body') },
  { name: 'ncl', section: '3.1.2.3', title: 'a negative Content-Length', expect: reject(400, 'Malformed Content-Length header field') },
  { name: 'scalar02', section: '3.1.2.4', title: 'request scalar fields with overlarge values', expect: reject(400, 'Malformed CSeq header field') },
  { name: 'scalarlg', section: '3.1.2.5', title: 'a response with overlarge scalar fields', expect: drop('response received') },
  { name: 'quotbal', section: '3.1.2.6', title: 'an unterminated quoted string in a display name', expect: reject(400, 'Malformed To header field') },
  { name: 'ltgtruri', section: '3.1.2.7', title: '<> enclosing the Request-URI', expect: reject(400, 'Malformed Request-URI') },
  { name: 'lwsruri', section: '3.1.2.8', title: 'embedded LWS in the Request-URI', expect: reject(400, 'Malformed Request-Line') },
  { name: 'lwsstart', section: '3.1.2.9', title: 'multiple SP separating Request-Line elements', expect: reject(400, 'Malformed Request-Line') },
  { name: 'trws', section: '3.1.2.10', title: 'SP characters at the end of the Request-Line', expect: reject(400, 'Malformed Request-Line') },
  { name: 'escruri', section: '3.1.2.11', title: 'escaped headers in the SIP Request-URI', expect: reject(400, 'Request-URI must not contain headers') },
  { name: 'baddate', section: '3.1.2.12', title: 'an invalid time zone in Date', expect: reject(400, 'Malformed Date header field') },
  { name: 'regbadct', section: '3.1.2.13', title: 'a name-addr URI with ? not enclosed in <>', expect: reject(400, 'Malformed Contact header field') },
  { name: 'badaspec', section: '3.1.2.14', title: 'spaces within addr-spec', expect: reject(400, 'Malformed To header field') },
  { name: 'baddn', section: '3.1.2.15', title: 'non-token characters in a display name', expect: reject(400, 'Malformed From header field') },
  { name: 'badvers', section: '3.1.2.16', title: 'an unknown protocol version', expect: reject(505, 'Version Not Supported') },
  { name: 'mismatch01', section: '3.1.2.17', title: 'start line and CSeq method mismatch', expect: reject(400, 'CSeq method does not match request method') },
  { name: 'mismatch02', section: '3.1.2.18', title: 'unknown method with CSeq method mismatch', expect: reject(400, 'CSeq method does not match request method') },
  { name: 'bigcode', section: '3.1.2.19', title: 'a response with an overlarge status code', expect: drop('response received') },

  {
    name: 'badbranch',
    section: '3.2.1',
    title: 'a branch that is only the magic cookie (valid syntax)',
    expect: request((r) => expect(r.via[0]?.branch).toBe('z9hG4bK')),
  },
  { name: 'insuf', section: '3.3.1', title: 'missing required header fields', expect: reject(400, 'Missing From header field') },
  {
    name: 'unkscm',
    section: '3.3.2',
    title: 'a Request-URI with an unknown scheme (left to the 416 rule)',
    expect: request((r) => expect(r.uri).toMatchObject({ scheme: 'nobodyknowsthisscheme', host: '' })),
  },
  {
    name: 'novelsc',
    section: '3.3.3',
    title: 'a Request-URI with a known but atypical scheme (left to the 416 rule)',
    expect: request((r) => expect(r.uri).toMatchObject({ scheme: 'soap.beep', raw: 'soap.beep://192.0.2.103:3002' })),
  },
  {
    name: 'unksm2',
    section: '3.3.4',
    title: 'unknown URI schemes in header fields',
    expect: request((r) => {
      expect(r.to.uri.scheme).toBe('isbn');
      expect(r.from.uri.scheme).toBe('http');
      expect(r.contact).toMatchObject([{ uri: { scheme: 'name' } }]);
    }),
  },
  {
    name: 'bext01',
    section: '3.3.5',
    title: 'Proxy-Require and Require with unknown tags (left to the 420 rule)',
    expect: request((r) => {
      expect(r.require).toEqual(['nothingSupportsThis', 'nothingSupportsThisEither']);
      expect(r.proxyRequire).toEqual(['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
    }),
  },
  { name: 'invut', section: '3.3.6', title: 'an unknown Content-Type (left to the 415 rule)', expect: request((r) => expect(r.contentType).toBe('application/unknownformat')) },
  { name: 'regaut01', section: '3.3.7', title: 'an unknown authorization scheme', expect: request((r) => expect(r.method).toBe('REGISTER')) },
  { name: 'multi01', section: '3.3.8', title: 'multiple values in single-value fields', expect: reject(400, 'Multiple CSeq header fields') },
  { name: 'mcl01', section: '3.3.9', title: 'multiple Content-Length values', expect: reject(400, 'Multiple Content-Length header fields') },
  { name: 'bcast', section: '3.3.10', title: 'a 200 OK response with a broadcast Via', expect: drop('response received') },
  { name: 'zeromf', section: '3.3.11', title: 'Max-Forwards of zero (left to the 483 rule)', expect: request((r) => expect(r.maxForwards).toBe(0)) },
  {
    name: 'cparam01',
    section: '3.3.12',
    title: 'a REGISTER whose unbracketed Contact carries a header parameter',
    expect: request((r) => expect(r.contact).toMatchObject([{ uri: { user: '+19725552222', params: [] }, params: [{ name: 'unknownparam' }] }])),
  },
  {
    name: 'cparam02',
    section: '3.3.13',
    title: 'a REGISTER whose bracketed Contact carries a URI parameter',
    expect: request((r) => expect(r.contact).toMatchObject([{ uri: { params: [{ name: 'unknownparam' }] }, params: [] }])),
  },
  {
    name: 'regescrt',
    section: '3.3.14',
    title: 'a REGISTER with an escaped header in a bracketed Contact URI',
    expect: request((r) => expect(r.contact).toMatchObject([{ uri: { headers: 'Route=%3Csip:sip.example.com%3E' } }])),
  },
  { name: 'sdp01', section: '3.3.15', title: 'an unacceptable Accept offering', expect: request((r) => expect(r.method).toBe('INVITE')) },
  {
    name: 'inv2543',
    section: '3.4.1',
    title: 'an INVITE with RFC 2543 syntax (no branch, no Max-Forwards, no Content-Length)',
    expect: request((r) => {
      expect(r.via[0]?.branch).toBeUndefined();
      expect(r.maxForwards).toBeUndefined();
      expect(r.from.tag).toBeUndefined();
      expect(r.body.toString('latin1')).toMatch(/^v=0\r\n[\s\S]*m=audio 49217 RTP\/AVP 0\r\n$/);
    }),
  },
];

function summary(o: ParseOutcome): unknown {
  if (o.kind === 'request') return { kind: 'request' };
  if (o.kind === 'reject') return { kind: 'reject', status: o.status, reason: o.reason };
  return { kind: 'drop', why: o.why };
}

describe('RFC 4475 torture messages', () => {
  it.each(CASES)('$name (RFC 4475 §$section): $title', (c) => {
    const outcome = parseMessage(torture(c.name), LIMITS, c.stream ?? false);
    const e = c.expect;
    if (e.kind === 'request') {
      expect(summary(outcome)).toEqual({ kind: 'request' });
      if (outcome.kind === 'request') e.check(outcome.request);
    } else {
      expect(summary(outcome)).toEqual(e);
    }
  });

  it('answers every invalid request with a basis that can be copied into the response (§8.2.6.2)', () => {
    for (const c of CASES) {
      const outcome = parseMessage(torture(c.name), LIMITS, c.stream ?? false);
      if (outcome.kind !== 'reject') continue;
      expect(outcome.basis.via.length, c.name).toBeGreaterThan(0);
      expect(outcome.basis.method, c.name).not.toBe('');
    }
  });
});
