import { describe, expect, it } from 'vitest';
import { readSdp } from '../../../src/sdp/sdp-offer.js';
import { multipartParts, sdpOfBody } from '../../../src/sdp/sdp-body.js';
import { supportedMediaSdp } from '../../../src/sdp/supported-sdp.js';

const sdp = (...lines: string[]): string => ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', ...lines].join('\r\n') + '\r\n';

describe('SDP offer reader (RFC 4566 §5)', () => {
  it('reads each m= line with its formats and rtpmap encoding names (§5.14, §6)', () => {
    const r = readSdp(sdp('m=audio 4000 RTP/AVP 0 96', 'a=rtpmap:96 opus/48000/2', 'm=video 5000 RTP/AVP 97', 'a=rtpmap:97 H264/90000'));
    expect(r).toEqual({
      ok: true,
      sdp: {
        media: [
          { media: 'audio', port: 4000, proto: 'RTP/AVP', formats: [{ fmt: '0', encoding: 'PCMU' }, { fmt: '96', encoding: 'opus' }] },
          { media: 'video', port: 5000, proto: 'RTP/AVP', formats: [{ fmt: '97', encoding: 'H264' }] },
        ],
      },
    });
  });

  it.each([
    ['0', 'PCMU'],
    ['3', 'GSM'],
    ['4', 'G723'],
    ['8', 'PCMA'],
    ['9', 'G722'],
    ['18', 'G729'],
  ])('names static payload type %s %s without an rtpmap (RFC 3551 §6)', (pt, name) => {
    const r = readSdp(sdp(`m=audio 4000 RTP/AVP ${pt}`));
    expect(r.ok && r.sdp.media[0]?.formats[0]?.encoding).toBe(name);
  });

  it('leaves a dynamic payload type without rtpmap unnamed', () => {
    const r = readSdp(sdp('m=audio 4000 RTP/AVP 101'));
    expect(r.ok && r.sdp.media[0]?.formats[0]?.encoding).toBeUndefined();
  });

  it('ties an rtpmap to its own media section only', () => {
    const r = readSdp(sdp('m=audio 4000 RTP/AVP 96', 'm=audio 4002 RTP/AVP 96', 'a=rtpmap:96 opus/48000'));
    expect(r.ok && r.sdp.media.map((m) => m.formats[0]?.encoding)).toEqual([undefined, 'opus']);
  });

  it('accepts LF-only line ends (§5: parsers SHOULD be tolerant)', () => {
    const r = readSdp('v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 4000/2 RTP/AVP 8\n');
    expect(r.ok && r.sdp.media[0]).toEqual({ media: 'audio', port: 4000, proto: 'RTP/AVP', formats: [{ fmt: '8', encoding: 'PCMA' }] });
  });

  it('reads an offer with no m= line as valid with no media (RFC 3264 §5: zero or more streams)', () => {
    expect(readSdp(sdp())).toEqual({ ok: true, sdp: { media: [] } });
  });

  it.each([
    ['an empty body', '', 'empty'],
    ['a body not starting with v=0', 'o=- 1 1 IN IP4 192.0.2.1\r\nv=0\r\n', 'does not begin with v=0'],
    ['another version', 'v=1\r\n', 'does not begin with v=0'],
    ['a line that is not <type>=<value>', 'v=0\r\nhello\r\n', 'line 2 is not <type>=<value>'],
    ['an m= line without formats', 'v=0\r\nm=audio 4000 RTP/AVP\r\n', 'malformed m= line 2'],
    ['an m= line with a non-numeric port', 'v=0\r\nm=audio x RTP/AVP 0\r\n', 'malformed port in m= line 2'],
    ['an m= line with a port over 65535', 'v=0\r\nm=audio 70000 RTP/AVP 0\r\n', 'malformed port in m= line 2'],
    ['plain text', 'hello world', 'line 1 is not <type>=<value>'],
  ])('refuses %s (§5)', (_what, text, error) => {
    expect(readSdp(text)).toEqual({ ok: false, error });
  });

  it('refuses an absurd number of lines before reading them all', () => {
    expect(readSdp('v=0\n' + 'a=x\n'.repeat(5000))).toEqual({ ok: false, error: 'too many lines' });
  });
});

describe('SDP in a request body (RFC 5621 §3, RFC 2046 §5.1)', () => {
  const multipart = '--b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nm=audio 1 RTP/AVP 0\r\n\r\n--b1\r\nContent-Type: application/pidf+xml\r\n\r\n<x/>\r\n--b1--\r\n';

  it('is the body itself for application/sdp', () => {
    expect(sdpOfBody('application/sdp', 'application/sdp', Buffer.from('v=0\r\n'))).toBe('v=0\r\n');
  });

  it('is the application/sdp part of a multipart/mixed body, boundary quoted or not', () => {
    for (const ct of ['multipart/mixed;boundary=b1', 'multipart/mixed; boundary="b1"']) {
      expect(sdpOfBody('multipart/mixed', ct, Buffer.from(multipart))).toBe('v=0\r\nm=audio 1 RTP/AVP 0\r\n');
    }
  });

  it('is absent from an empty body, another type, or a multipart body without a boundary', () => {
    expect(sdpOfBody('application/sdp', 'application/sdp', Buffer.alloc(0))).toBeUndefined();
    expect(sdpOfBody('text/plain', 'text/plain', Buffer.from('v=0'))).toBeUndefined();
    expect(sdpOfBody('multipart/mixed', 'multipart/mixed', Buffer.from(multipart))).toBeUndefined();
  });

  it('splits every part with its type, a part without Content-Type being text/plain (RFC 2046 §5.1)', () => {
    expect(multipartParts('preamble\r\n--x\r\n\r\nhello\r\n--x\r\nContent-Type: Application/SDP; a=b\r\n\r\nv=0\r\n--x--', 'x')).toEqual([
      { type: 'text/plain', content: 'hello' },
      { type: 'application/sdp', content: 'v=0' },
    ]);
  });
});

describe('description of the supported media (RFC 3261 §21.4.26, RFC 3264 §9)', () => {
  it('lists static codecs by payload type and others as dynamic rtpmaps, audio and video apart, port 0', () => {
    const text = supportedMediaSdp(['PCMU', 'opus', 'G722', 'telephone-event', 'H264'], { address: '192.0.2.5', sessionId: 7 });
    expect(text.split('\r\n')).toEqual([
      'v=0',
      'o=sip4xx 7 7 IN IP4 192.0.2.5',
      's=sip4xx',
      'c=IN IP4 192.0.2.5',
      't=0 0',
      'm=audio 0 RTP/AVP 0 96 9 97',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:96 opus/48000/2',
      'a=rtpmap:9 G722/8000',
      'a=rtpmap:97 telephone-event/8000',
      'm=video 0 RTP/AVP 98',
      'a=rtpmap:98 H264/90000',
      '',
    ]);
  });

  it('announces an IPv6 address as IP6 and reads back as SDP', () => {
    const text = supportedMediaSdp(['G729'], { address: '2001:db8::1', sessionId: 1 });
    expect(text).toContain('c=IN IP6 2001:db8::1');
    const r = readSdp(text);
    expect(r.ok && r.sdp.media[0]?.formats).toEqual([{ fmt: '18', encoding: 'G729' }]);
  });
});
