/**
 * A session description of the media we support, for the body of a 488 (RFC 3261 §21.4.26: "the
 * response MAY contain a message body with a session description of the supported media"). It
 * describes capabilities, not a session, so every stream has port 0, as RFC 3264 §9 (indicating
 * capabilities) does — nobody can mistake it for an answer and send media to it.
 */
import { describeCodec } from './payload-types.js';

export interface SdpOrigin {
  /** The address to announce in o= and c= (IPv4 or IPv6, no brackets). */
  readonly address: string;
  readonly sessionId: number;
}

/** First dynamic payload type (RFC 3551 §3: 96–127 are dynamic). */
const FIRST_DYNAMIC = 96;

export function supportedMediaSdp(codecs: readonly string[], origin: SdpOrigin): string {
  const ipVer = origin.address.includes(':') ? 'IP6' : 'IP4';
  const streams: Record<'audio' | 'video', { pts: string[]; maps: string[] }> = { audio: { pts: [], maps: [] }, video: { pts: [], maps: [] } };
  let dynamic = FIRST_DYNAMIC;
  for (const name of codecs) {
    const d = describeCodec(name);
    const pt = d.pt ?? String(dynamic++);
    streams[d.media].pts.push(pt);
    streams[d.media].maps.push(`a=rtpmap:${pt} ${d.rtpmap}`);
  }
  const lines = ['v=0', `o=sip4xx ${origin.sessionId} ${origin.sessionId} IN ${ipVer} ${origin.address}`, 's=sip4xx', `c=IN ${ipVer} ${origin.address}`, 't=0 0'];
  for (const media of ['audio', 'video'] as const) {
    const s = streams[media];
    if (s.pts.length === 0) continue;
    lines.push(`m=${media} 0 RTP/AVP ${s.pts.join(' ')}`, ...s.maps);
  }
  return lines.join('\r\n') + '\r\n';
}
