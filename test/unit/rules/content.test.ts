import { describe, expect, it } from 'vitest';
import { acceptsType, contentRule, languageMatches } from '../../../src/rules/content.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';
import type { RequestSpec } from '../../helpers/sip-request.js';

// Defaults: accept application/sdp, encodings identity, languages en, codecs PCMU PCMA G722 opus telephone-event.
const ctx = ruleContext();
const WARNING_305 = '305 127.0.0.1:5060 "Incompatible media format"';
const ACCEPT_HEADERS = [
  ['Accept', 'application/sdp, text/plain'],
  ['Accept-Encoding', 'identity'],
  ['Accept-Language', 'en'],
];

const sdp = (...media: string[]): string => ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', ...media].join('\r\n') + '\r\n';
const offer = (body: string, spec: RequestSpec = {}): RequestSpec => ({ ...spec, headers: { 'Content-Type': 'application/sdp', ...(spec.headers as Record<string, string>) }, body });
const check = (spec: RequestSpec, c = ctx) => contentRule.check(requestOf(spec), c);

describe('content rule: the request body (RFC 3261 §8.2.3)', () => {
  it('answers 415 with Accept, Accept-Encoding and Accept-Language for a body type not accepted (§8.2.3)', () => {
    expect(check({ method: 'MESSAGE', headers: { 'Content-Type': 'application/x-sip4xx-unknown' }, body: 'hi' })).toEqual({ status: 415, headers: ACCEPT_HEADERS, reason: undefined });
  });

  it.each([
    ['a Content-Encoding not understood', { 'Content-Encoding': 'gzip' }],
    ['one unknown encoding among known ones', { 'Content-Encoding': 'identity, br' }],
    ['a Content-Language not understood', { 'Content-Language': 'fr' }],
  ])('answers 415 listing what we understand for %s (§8.2.3)', (_what, headers) => {
    expect(check(offer(sdp('m=audio 4000 RTP/AVP 0'), { headers }))?.status).toBe(415);
  });

  it.each([
    ['the compact Content-Encoding form e', { e: 'gzip' }],
    ['an encoding in another case', { 'Content-Encoding': 'GZIP' }],
  ])('reads %s (§7.3.3, §20.12)', (_what, headers) => {
    expect(check(offer(sdp('m=audio 4000 RTP/AVP 0'), { headers }))?.headers).toEqual(ACCEPT_HEADERS);
  });

  it.each([
    ['identity encoding in another case', { 'Content-Encoding': 'Identity' }],
    ['a language the accepted range covers (en ∋ en-GB)', { 'Content-Language': 'en-GB' }],
    ['a language in another case', { 'Content-Language': 'EN' }],
  ])('lets %s through (§20.3)', (_what, headers) => {
    expect(check(offer(sdp('m=audio 4000 RTP/AVP 0'), { headers }))).toBeUndefined();
  });

  it('answers 493 Undecipherable for an S/MIME body, before any 415 (§23.2, §21.4.27)', () => {
    for (const type of ['application/pkcs7-mime; smime-type=enveloped-data', 'application/x-pkcs7-mime']) {
      expect(check({ headers: { 'Content-Type': type }, body: 'MIAGCSqGSIb3DQEHA6CAMIACAQAxggHq' })).toEqual({ status: 493, headers: undefined, reason: undefined });
    }
  });

  it('answers 493 for an S/MIME part inside a multipart/mixed body it accepts (§23.2)', () => {
    const c = ruleContext({ config: { sip: { accept: ['application/sdp', 'multipart/mixed'] } } });
    const body = '--b\r\nContent-Type: application/pkcs7-mime\r\n\r\nMIAG\r\n--b--\r\n';
    expect(check({ headers: { 'Content-Type': 'multipart/mixed;boundary=b' }, body }, c)?.status).toBe(493);
  });

  it('answers 400 naming the missing Content-Type of a non-empty body (§20.15)', () => {
    expect(check({ method: 'MESSAGE', body: 'hello' })).toEqual({ status: 400, headers: undefined, reason: 'Missing Content-Type header field' });
  });

  it('lets a request without a body through, whatever its Content-Type says', () => {
    expect(check({ method: 'MESSAGE', headers: { 'Content-Type': 'text/plain' } })).toBeUndefined();
  });

  it.each(['ACK', 'CANCEL'])('leaves a %s alone', (method) => {
    expect(check({ method, headers: { 'Content-Type': 'text/plain' }, body: 'x' })).toBeUndefined();
  });

  it('uses the configured sip.accept list (§8.2.3)', () => {
    const c = ruleContext({ config: { sip: { accept: ['application/sdp', 'application/pidf+xml'] } } });
    expect(check({ method: 'PUBLISH', headers: { 'Content-Type': 'application/pidf+xml' }, body: '<x/>' }, c)).toBeUndefined();
    expect(check({ method: 'MESSAGE', headers: { 'Content-Type': 'text/plain' }, body: 'hi' }, c)?.status).toBe(415);
  });

  it('takes a text/plain MESSAGE by default, as softphones send them', () => {
    expect(check({ method: 'MESSAGE', headers: { 'Content-Type': 'text/plain' }, body: 'hi' })).toBeUndefined();
  });
});

describe('content rule: the Accept header (RFC 3261 §20.1, §21.4.7)', () => {
  it.each([
    ['an empty Accept header field (§20.1: no formats are acceptable)', ''],
    ['only other types', 'text/plain, application/pidf+xml'],
    ['application/sdp with q=0', 'application/sdp;q=0'],
    ['application/* excluded by q=0', 'application/*;q=0, text/plain'],
    ['*/* with q=0', '*/*;q=0'],
    ['the specific q=0 outranking a wildcard', '*/*, application/sdp;q=0'],
  ])('answers 406 to an INVITE whose Accept has %s (§21.4.7)', (_what, accept) => {
    expect(check({ headers: { Accept: accept } })).toEqual({ status: 406, headers: undefined, reason: undefined });
  });

  it.each([
    ['application/sdp', 'application/sdp'],
    ['application/sdp among others', 'text/plain, application/sdp;q=0.5'],
    ['application/*', 'application/*'],
    ['*/*', '*/*'],
    ['a specific type outranking an excluding wildcard', '*/*;q=0, APPLICATION/SDP'],
  ])('lets an INVITE through whose Accept allows SDP with %s', (_what, accept) => {
    expect(check({ headers: { Accept: accept } })).toBeUndefined();
  });

  it('lets an INVITE without Accept through (§20.1: application/sdp is assumed)', () => {
    expect(check({})).toBeUndefined();
  });

  it('answers no 406 to methods whose answers carry no body', () => {
    expect(check({ method: 'MESSAGE', headers: { Accept: 'text/plain' } })).toBeUndefined();
  });

  it('matches language ranges by prefix (§20.3, RFC 2616 §14.4)', () => {
    expect([languageMatches('en', 'en-US'), languageMatches('en', 'eng'), languageMatches('*', 'fr'), languageMatches('en-us', 'EN-US')]).toEqual([true, false, true, true]);
  });

  it('reads Accept across several header lines (§7.3.1)', () => {
    const req = requestOf({ headers: [['Accept', 'text/plain'], ['Accept', 'application/sdp']] });
    expect(acceptsType(req, 'application/sdp')).toBe(true);
  });
});

describe('content rule: the SDP offer (RFC 3261 §21.4.26, RFC 3264 §5)', () => {
  it('answers 488 with Warning 305 and an SDP of the supported media when no codec is supported (§21.4.26)', () => {
    const d = check(offer(sdp('m=audio 4000 RTP/AVP 18 96', 'a=rtpmap:96 iLBC/8000')));
    expect(d?.status).toBe(488);
    expect(d?.headers).toEqual([['Warning', WARNING_305]]);
    expect(d?.body?.type).toBe('application/sdp');
    expect(String(d?.body?.content)).toContain('m=audio 0 RTP/AVP 0 8 9 96 97\r\na=rtpmap:0 PCMU/8000');
  });

  it('answers 488 without a body when the Accept does not allow SDP', () => {
    const d = check(offer(sdp('m=audio 4000 RTP/AVP 18'), { headers: { Accept: 'application/sdp;q=0, text/plain' } }));
    // 406 comes first for an INVITE; an UPDATE carries the offer without that check.
    expect(d?.status).toBe(406);
    const u = check(offer(sdp('m=audio 4000 RTP/AVP 18'), { method: 'UPDATE', headers: { Accept: 'text/plain' } }));
    expect(u).toEqual({ status: 488, headers: [['Warning', WARNING_305]], body: undefined });
  });

  it.each([
    ['a static payload type we support', 'm=audio 4000 RTP/AVP 18 8'],
    ['an rtpmap encoding name in another case', 'm=audio 4000 RTP/AVP 96\r\na=rtpmap:96 OPUS/48000/2'],
    ['one supported stream among unsupported ones', 'm=video 5000 RTP/AVP 31\r\nm=audio 4000 RTP/AVP 0'],
    ['only streams declined with port 0 (RFC 3264 §5.1)', 'm=audio 0 RTP/AVP 18'],
    ['only non-audio/video streams', 'm=image 4000 udptl t38'],
  ])('lets an offer through with %s', (_what, media) => {
    expect(check(offer(sdp(media)))).toBeUndefined();
  });

  it('lets an offer with no m= line through (RFC 3264 §5: zero or more media streams)', () => {
    expect(check(offer(sdp()))).toBeUndefined();
  });

  it('does not count telephone-event or comfort noise as a codec (RFC 4733, RFC 3389)', () => {
    expect(check(offer(sdp('m=audio 4000 RTP/AVP 18 13 101', 'a=rtpmap:101 telephone-event/8000')))?.status).toBe(488);
  });

  it("uses the target user's codecs over sip.codecs (§21.4.26)", () => {
    const pcmu = offer(sdp('m=audio 4000 RTP/AVP 0'), { uri: 'sip:g729@127.0.0.1' });
    expect(check(pcmu)?.status).toBe(488);
    expect(String(check(pcmu)?.body?.content)).toContain('m=audio 0 RTP/AVP 18\r\na=rtpmap:18 G729/8000');
    expect(check(offer(sdp('m=audio 4000 RTP/AVP 18'), { uri: 'sip:g729@127.0.0.1' }))).toBeUndefined();
  });

  it('reads the SDP part of a multipart/mixed body (RFC 5621)', () => {
    const c = ruleContext({ config: { sip: { accept: ['application/sdp', 'multipart/mixed'] } } });
    const body = `--b\r\nContent-Type: application/sdp\r\n\r\n${sdp('m=audio 4000 RTP/AVP 18')}\r\n--b--\r\n`;
    expect(check({ headers: { 'Content-Type': 'multipart/mixed; boundary=b' }, body }, c)?.status).toBe(488);
  });

  it.each([
    ['text that is not SDP', 'hello', 'Malformed SDP body (line 1 is not <type>=<value>)'],
    ['SDP without v=', 'o=- 1 1 IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\n', 'Malformed SDP body (does not begin with v=0)'],
    ['a broken m= line', 'v=0\r\nm=audio\r\n', 'Malformed SDP body (malformed m= line 2)'],
  ])('answers 400 naming the fault for %s (§21.4.1, RFC 4566 §5)', (_what, body, reason) => {
    expect(check(offer(body))).toEqual({ status: 400, headers: undefined, reason });
  });

  it('judges offers only in INVITE and UPDATE (RFC 3264, RFC 3311)', () => {
    const c = ruleContext({ config: { sip: { accept: ['application/sdp'] } } });
    expect(check(offer(sdp('m=audio 4000 RTP/AVP 18'), { method: 'OPTIONS' }), c)).toBeUndefined();
  });
});
