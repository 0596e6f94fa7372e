import { describe, expect, it } from 'vitest';
import { answerToOffer, sdpAnswer, sdpOffer } from '../../../src/dialog/sdp-answer.js';

const sdp = (...lines: string[]): string => [...lines, ''].join('\r\n');
const HEAD = ['v=0', 's=sip4xx', 'c=IN IP4 127.0.0.1', 't=0 0'];
const pcmu = (c: string): boolean => ['pcmu', 'pcma', 'telephone-event'].includes(c.toLowerCase());

describe('SDP answer (RFC 3264 §6)', () => {
  it('answers a sendonly offer recvonly and a recvonly one sendonly, at media or session level (§6.1)', () => {
    const media = sdpAnswer(sdp('v=0', 'o=- 1 2 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'a=sendonly'), '127.0.0.1', 40002, pcmu);
    expect(media).toEqual({ session: sdp(...HEAD, 'm=audio 40002 RTP/AVP 0', 'a=recvonly'), remote: { address: '192.0.2.1', port: 4000 }, echo: false, format: { pt: 0, encoding: 'PCMU' } });
    const session = sdpAnswer(sdp('v=0', 'c=IN IP4 192.0.2.1', 'a=recvonly', 'm=audio 4000 RTP/AVP 0'), '127.0.0.1', 40002, pcmu);
    expect(session.session).toBe(sdp(...HEAD, 'm=audio 40002 RTP/AVP 0', 'a=sendonly'));
    expect(session.echo).toBe(false);
  });

  it('answers inactive with inactive and sendrecv with sendrecv, echoing only the latter (§6.1)', () => {
    expect(sdpAnswer(sdp('v=0', 'c=IN IP4 192.0.2.1', 'm=audio 4000 RTP/AVP 8', 'a=inactive'), '127.0.0.1', 40002, pcmu).session).toBe(sdp(...HEAD, 'm=audio 40002 RTP/AVP 8', 'a=inactive'));
    const live = sdpAnswer(sdp('v=0', 'c=IN IP4 192.0.2.1', 'm=audio 4000 RTP/AVP 8 0', 'a=rtpmap:8 PCMA/8000'), '127.0.0.1', 40002, pcmu);
    expect(live).toEqual({ session: sdp(...HEAD, 'm=audio 40002 RTP/AVP 8', 'a=rtpmap:8 PCMA/8000', 'a=sendrecv'), remote: { address: '192.0.2.1', port: 4000 }, echo: true, format: { pt: 8, encoding: 'PCMA' } });
  });

  it('keeps a port-0 stream rejected and rejects streams past the first one taken (§6)', () => {
    const offer = sdp('v=0', 'c=IN IP4 192.0.2.1', 'm=audio 0 RTP/AVP 0', 'm=audio 4002 RTP/AVP 0', 'a=sendonly', 'm=video 5000 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'm=audio 4004 RTP/AVP 0');
    expect(sdpAnswer(offer, '127.0.0.1', 40002, pcmu).session).toBe(
      sdp(...HEAD, 'm=audio 0 RTP/AVP 0', 'm=audio 40002 RTP/AVP 0', 'a=recvonly', 'm=video 0 RTP/AVP 96', 'm=audio 0 RTP/AVP 0'),
    );
  });

  it('rejects a stream with no codec we take, or a profile whose packets we cannot echo (SRTP)', () => {
    const answer = sdpAnswer(sdp('v=0', 'c=IN IP4 192.0.2.1', 'm=audio 4000 RTP/SAVP 0', 'm=audio 4002 RTP/AVP 18 101', 'a=rtpmap:101 telephone-event/8000'), '127.0.0.1', 40002, pcmu);
    expect(answer).toEqual({ session: sdp(...HEAD, 'm=audio 0 RTP/SAVP 0', 'm=audio 0 RTP/AVP 18'), remote: undefined, echo: false, format: undefined });
  });

  it('does not send to a stream held the old way, c=0.0.0.0 (§8.4)', () => {
    expect(sdpAnswer(sdp('v=0', 'c=IN IP4 0.0.0.0', 'm=audio 4000 RTP/AVP 0'), '127.0.0.1', 40002, pcmu).remote).toBeUndefined();
  });
});

describe('SDP offer in a 2xx to an INVITE without one (RFC 3264 §5)', () => {
  it('offers a G.729-only user G.729 alone, on its static payload type 18 (RFC 3551 §6)', () => {
    expect(sdpOffer(['G729'], '127.0.0.1', 40004)).toEqual({ session: sdp(...HEAD, 'm=audio 40004 RTP/AVP 18', 'a=rtpmap:18 G729/8000', 'a=sendrecv'), remote: undefined, echo: true, format: undefined });
  });

  it('offers the default codecs with static types first-come and dynamic ones from 96, audio only', () => {
    expect(sdpOffer(['PCMU', 'PCMA', 'G722', 'opus', 'telephone-event', 'H264'], '127.0.0.1', 40000).session).toBe(
      sdp(...HEAD, 'm=audio 40000 RTP/AVP 0 8 9 96 97', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:9 G722/8000', 'a=rtpmap:96 opus/48000/2', 'a=rtpmap:97 telephone-event/8000', 'a=fmtp:97 0-16', 'a=sendrecv'),
    );
  });

  it('reads the answer in the ACK: where media goes and whether the answerer sends too', () => {
    expect(answerToOffer(sdp('v=0', 'c=IN IP4 192.0.2.7', 'm=audio 6000 RTP/AVP 18'))).toEqual({ remote: { address: '192.0.2.7', port: 6000 }, echo: true, format: { pt: 18, encoding: 'G729' } });
    expect(answerToOffer(sdp('v=0', 'c=IN IP4 192.0.2.7', 'm=audio 6000 RTP/AVP 18', 'a=recvonly'))).toEqual({ remote: { address: '192.0.2.7', port: 6000 }, echo: false, format: { pt: 18, encoding: 'G729' } });
    expect(answerToOffer(sdp('v=0', 'c=IN IP4 192.0.2.7', 'm=audio 0 RTP/AVP 18'))).toEqual({ remote: undefined, echo: false, format: { pt: 18, encoding: 'G729' } });
    // An ACK without the answer breaks RFC 3261 §13.2.1; echo to the packets' source then.
    expect(answerToOffer(undefined)).toEqual({ remote: undefined, echo: true, format: undefined });
  });
});
