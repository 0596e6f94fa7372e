/**
 * A minimal SDP answer (RFC 3264 §6) for `answer` users: for each offered m= line, accept the first
 * offered codec we support (echoing its rtpmap/fmtp), on a port of ours. sip4xx carries no media;
 * the answer only has to be valid so that clients complete the call. With no offer, we make one
 * (RFC 3264 §5).
 */
import { STATIC_PAYLOAD_TYPES, isAuxiliaryFormat } from '../sdp/payload-types.js';

export interface SdpOrigin {
  /** The address to announce in o= and c= (IPv4 or IPv6, no brackets). */
  readonly address: string;
  readonly sessionId: number;
}

/**
 * `accepts` says whether a codec (encoding name) may be used; without it the first format offered
 * is taken. RFC 3264 §6.1: the answer's formats "MUST be ones that were present in the offer", and
 * the answerer lists those it is willing to use — so the first offered that we support, not merely
 * the first offered.
 */
export function sdpAnswer(offer: string | undefined, origin: SdpOrigin, accepts?: (codec: string) => boolean): string {
  const ipVer = origin.address.includes(':') ? 'IP6' : 'IP4';
  const lines = [
    'v=0',
    `o=sip4xx ${origin.sessionId} ${origin.sessionId} IN ${ipVer} ${origin.address}`,
    's=sip4xx',
    `c=IN ${ipVer} ${origin.address}`,
    't=0 0',
  ];
  if (offer === undefined || offer.trim() === '') {
    lines.push('m=audio 40000 RTP/AVP 0 8 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv');
    return lines.join('\r\n') + '\r\n';
  }
  const offered = offer.split(/\r?\n/);
  let port = 40000;
  for (let i = 0; i < offered.length; i++) {
    const line = (offered[i] as string).trim();
    if (!line.startsWith('m=')) continue;
    // m=<media> <port> <proto> <fmt> ...
    const [media, mport, proto, ...fmts] = line.slice(2).split(/\s+/);
    if (media === undefined || proto === undefined || fmts.length === 0) continue;
    const first = accepts === undefined ? (fmts[0] as string) : chooseFormat(fmts, offered, i, accepts);
    if (mport === '0') {
      // RFC 3264 §6: a rejected stream stays rejected, with port zero.
      lines.push(`m=${media} 0 ${proto} ${first}`);
      continue;
    }
    lines.push(`m=${media} ${port} ${proto} ${first}`);
    port += 2;
    // Attributes of this media section that describe the chosen format.
    for (let j = i + 1; j < offered.length && !(offered[j] as string).startsWith('m='); j++) {
      const a = (offered[j] as string).trim();
      if (a.startsWith(`a=rtpmap:${first} `) || a.startsWith(`a=fmtp:${first} `)) lines.push(a);
    }
    lines.push('a=sendrecv');
  }
  return lines.join('\r\n') + '\r\n';
}

/** The first format of the m= line at `at` whose codec `accepts` takes; else the first offered. */
function chooseFormat(fmts: readonly string[], lines: readonly string[], at: number, accepts: (codec: string) => boolean): string {
  const names = new Map<string, string>();
  for (let j = at + 1; j < lines.length && !(lines[j] as string).startsWith('m='); j++) {
    const a = (lines[j] as string).trim();
    if (!a.startsWith('a=rtpmap:')) continue;
    const sp = a.indexOf(' ');
    if (sp === -1) continue;
    const enc = a.slice(sp + 1);
    const slash = enc.indexOf('/');
    names.set(a.slice(9, sp), slash === -1 ? enc : enc.slice(0, slash));
  }
  for (const f of fmts) {
    const name = names.get(f) ?? STATIC_PAYLOAD_TYPES[f]?.name;
    if (name !== undefined && !isAuxiliaryFormat(name) && accepts(name)) return f;
  }
  return fmts[0] as string;
}
