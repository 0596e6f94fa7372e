import { describe, expect, it } from 'vitest';
import type { DialogMedia } from '../../../src/dialog/dialog-table.js';
import { MediaService } from '../../../src/media/media-service.js';
import { sessionBodyFor, type SessionBody } from '../../../src/rules/media.js';
import type { RuleContext } from '../../../src/rules/rule.js';
import { FakeClock } from '../transaction/fake-clock.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

/** A rule context whose media service hands out ports of the default range (nothing is bound). */
function mediaContext(): RuleContext {
  const base = ruleContext(); // codecs: PCMU PCMA G722 opus telephone-event; user g729 has [G729]
  const media = new MediaService({ clock: new FakeClock(), config: () => base.config });
  return { ...base, services: { media } } as unknown as RuleContext;
}

const sdp = (...lines: string[]): string => [...lines, ''].join('\r\n');
const offer = sdp('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 18 101 96 8', 'a=rtpmap:101 telephone-event/8000', 'a=rtpmap:96 OPUS/48000/2', 'a=fmtp:96 useinbandfec=1');

function bodyFor(ctx: RuleContext, user: string, body: string | undefined, prior?: DialogMedia): SessionBody {
  const spec = body === undefined ? { uri: `sip:${user}@127.0.0.1` } : { uri: `sip:${user}@127.0.0.1`, headers: { 'Content-Type': 'application/sdp' }, body };
  const out = sessionBodyFor(requestOf(spec), ctx, prior);
  if (out === undefined) throw new Error('no media port');
  return out;
}

const mediaLines = (b: SessionBody): string[] => b.body.content.split('\r\n').filter((l) => l.startsWith('m=') || l.startsWith('a='));
const origin = (b: SessionBody): string => b.body.content.split('\r\n')[1] as string;

describe('SDP of an answer user (RFC 3264 §6.1, §5, §8)', () => {
  it('picks the first offered codec we support, skipping telephone-event, with its rtpmap and fmtp', () => {
    expect(mediaLines(bodyFor(mediaContext(), 'answer', offer))).toEqual(['m=audio 40000 RTP/AVP 96', 'a=rtpmap:96 OPUS/48000/2', 'a=fmtp:96 useinbandfec=1', 'a=sendrecv']);
  });

  it("picks from the user's own codecs when it has them", () => {
    expect(mediaLines(bodyFor(mediaContext(), 'g729', offer))).toEqual(['m=audio 40000 RTP/AVP 18', 'a=sendrecv']);
  });

  it('gives each new call its own even port, and the media plan the offer names', () => {
    const ctx = mediaContext();
    const first = bodyFor(ctx, 'answer', offer);
    const second = bodyFor(ctx, 'answer', offer);
    expect([first.media.media.port, second.media.media.port]).toEqual([40000, 40002]);
    expect(first.media.remote).toEqual({ address: '192.0.2.1', port: 4000 });
    expect(first.media.echo).toBe(true);
    expect(origin(first)).toBe(`o=sip4xx ${first.media.media.sessionId} 1 IN IP4 127.0.0.1`);
  });

  it('answers a hold re-offer recvonly on the same port, with the same session id and version + 1 (§8)', () => {
    const ctx = mediaContext();
    const call = bodyFor(ctx, 'answer', offer);
    const hold = bodyFor(ctx, 'answer', offer.replace('a=fmtp:96 useinbandfec=1\r\n', 'a=fmtp:96 useinbandfec=1\r\na=sendonly\r\n'), call.media.media);
    expect(mediaLines(hold)).toEqual(['m=audio 40000 RTP/AVP 96', 'a=rtpmap:96 OPUS/48000/2', 'a=fmtp:96 useinbandfec=1', 'a=recvonly']);
    expect(origin(hold)).toBe(`o=sip4xx ${call.media.media.sessionId} 2 IN IP4 127.0.0.1`);
    expect(hold.media.echo).toBe(false);
    // The same offer again changes nothing, so the version stays (§8).
    expect(origin(bodyFor(ctx, 'answer', offer.replace('useinbandfec=1\r\n', 'useinbandfec=1\r\na=sendonly\r\n'), hold.media.media))).toBe(origin(hold));
  });

  it("offers a G.729 user only G.729 when the INVITE has no SDP, and waits for the answer in the ACK (§5)", () => {
    const late = bodyFor(mediaContext(), 'g729', undefined);
    expect(mediaLines(late)).toEqual(['m=audio 40000 RTP/AVP 18', 'a=rtpmap:18 G729/8000', 'a=sendrecv']);
    expect(late.media.media.awaitingAnswer).toBe(true);
  });

  it('has no port to give once media.maxSessions calls have media', () => {
    const base = ruleContext({ config: { media: { maxSessions: 1 } } });
    const media = new MediaService({ clock: new FakeClock(), config: () => base.config, bind: () => new Promise(() => undefined) });
    const ctx = { ...base, services: { media } } as unknown as RuleContext;
    media.start(bodyFor(ctx, 'answer', offer).media.media.port, undefined, true);
    expect(sessionBodyFor(requestOf({ uri: 'sip:answer@127.0.0.1' }), ctx, undefined)).toBeUndefined();
  });
});
