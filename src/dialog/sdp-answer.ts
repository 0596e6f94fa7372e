/**
 * A minimal SDP answer (RFC 3264 §6) for `answer` users: for each offered m= line, accept the first
 * codec offered (echoing its rtpmap/fmtp), on a port of ours. sip4xx carries no media; the answer
 * only has to be valid so that clients complete the call. With no offer, we make one (RFC 3264 §5).
 */
export interface SdpOrigin {
  /** The address to announce in o= and c= (IPv4 or IPv6, no brackets). */
  readonly address: string;
  readonly sessionId: number;
}

export function sdpAnswer(offer: string | undefined, origin: SdpOrigin): string {
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
    const first = fmts[0] as string;
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
