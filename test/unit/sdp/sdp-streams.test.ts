import { describe, expect, it } from 'vitest';
import { answerDirection, readStreams, streamEndpoint, type Direction } from '../../../src/sdp/sdp-streams.js';

const sdp = (...lines: string[]): string => [...lines, ''].join('\r\n');

describe('SDP streams (RFC 4566 §5.7, RFC 3264 §5.1)', () => {
  it('reads each m= line with its own attributes, media-level c= over the session one', () => {
    const streams = readStreams(sdp('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 0 8', 'a=rtpmap:0 PCMU/8000', 'm=video 5000 RTP/AVP 96', 'c=IN IP4 192.0.2.9/127', 'a=rtpmap:96 H264/90000'));
    expect(streams).toEqual([
      { media: 'audio', port: 4000, proto: 'RTP/AVP', fmts: ['0', '8'], attributes: ['a=rtpmap:0 PCMU/8000'], address: '192.0.2.1', direction: 'sendrecv' },
      { media: 'video', port: 5000, proto: 'RTP/AVP', fmts: ['96'], attributes: ['a=rtpmap:96 H264/90000'], address: '192.0.2.9', direction: 'sendrecv' },
    ]);
  });

  it('takes a session-level direction for every stream unless the stream names its own (RFC 3264 §5.1)', () => {
    const streams = readStreams(sdp('v=0', 'c=IN IP4 192.0.2.1', 'a=sendonly', 'm=audio 4000 RTP/AVP 0', 'm=audio 4002 RTP/AVP 0', 'a=inactive'));
    expect(streams.map((s) => s.direction)).toEqual(['sendonly', 'inactive']);
  });

  it('accepts LF-only lines and skips malformed m= lines', () => {
    const streams = readStreams('v=0\nc=IN IP6 2001:db8::1\nm=audio x RTP/AVP 0\nm=audio 4000 RTP/AVP 18\n');
    expect(streams).toEqual([{ media: 'audio', port: 4000, proto: 'RTP/AVP', fmts: ['18'], attributes: [], address: '2001:db8::1', direction: 'sendrecv' }]);
  });

  it.each<[Direction, Direction]>([
    ['sendonly', 'recvonly'],
    ['recvonly', 'sendonly'],
    ['inactive', 'inactive'],
    ['sendrecv', 'sendrecv'],
  ])('answers an offered %s stream %s (RFC 3264 §6.1)', (offered, answered) => {
    expect(answerDirection(offered)).toBe(answered);
  });

  it('sends nowhere for port 0, no address, or c=0.0.0.0 (RFC 3264 §6, §8.4)', () => {
    const [rejected, held, live] = readStreams(sdp('v=0', 'm=audio 0 RTP/AVP 0', 'c=IN IP4 192.0.2.1', 'm=audio 4000 RTP/AVP 0', 'c=IN IP4 0.0.0.0', 'm=audio 4002 RTP/AVP 0', 'c=IN IP4 192.0.2.1'));
    expect([rejected, held, live].map((s) => (s === undefined ? 'missing' : streamEndpoint(s)))).toEqual([undefined, undefined, { address: '192.0.2.1', port: 4002 }]);
    expect(streamEndpoint(readStreams(sdp('v=0', 'm=audio 4000 RTP/AVP 0'))[0]!)).toBeUndefined();
  });
});
