import { describe, expect, it } from 'vitest';
import { sdpBodyFor } from '../../../src/rules/media.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

const ctx = ruleContext(); // codecs: PCMU PCMA G722 opus telephone-event; user g729 has [G729]
const offer = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 18 101 96 8', 'a=rtpmap:101 telephone-event/8000', 'a=rtpmap:96 OPUS/48000/2', 'a=fmtp:96 useinbandfec=1', ''].join('\r\n');

function answerMedia(user: string): string[] {
  const body = sdpBodyFor(requestOf({ uri: `sip:${user}@127.0.0.1`, headers: { 'Content-Type': 'application/sdp' }, body: offer }), ctx);
  return String(body.content).split('\r\n').filter((l) => l.startsWith('m=') || l.startsWith('a=rtp') || l.startsWith('a=fmtp'));
}

describe('SDP answer of an answer user (RFC 3264 §6.1)', () => {
  it('picks the first offered codec we support, skipping telephone-event, with its rtpmap and fmtp', () => {
    expect(answerMedia('answer')).toEqual(['m=audio 40000 RTP/AVP 96', 'a=rtpmap:96 OPUS/48000/2', 'a=fmtp:96 useinbandfec=1']);
  });

  it("picks from the user's own codecs when it has them", () => {
    expect(answerMedia('g729')).toEqual(['m=audio 40000 RTP/AVP 18']);
  });
});
