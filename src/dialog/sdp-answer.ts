/**
 * The SDP of a 2xx of ours (RFC 3264), without its o= line (sdp/sdp-origin.ts adds it, so the
 * dialog can tell a changed description from a repeated one): an answer to the request's offer
 * (§6), or an offer of our own when the request had none (§5). Either way one RTP stream is ours,
 * on the port the media service gave the call; it is where the call's media is echoed.
 */
import { STATIC_PAYLOAD_TYPES, describeCodec, isAuxiliaryFormat } from '../sdp/payload-types.js';
import type { RtpFormat } from '../media/rtp-source.js';
import { answerDirection, readStreams, streamEndpoint, type Direction, type Endpoint, type OfferedStream } from '../sdp/sdp-streams.js';

export interface SessionSdp {
  /** The SDP minus its o= line. */
  readonly session: string;
  /** Where our stream's media goes; undefined when unknown (an offer of ours, a held or rejected stream). */
  readonly remote: Endpoint | undefined;
  /** Our stream both sends and receives, so echoing what arrives is what the SDP agreed. */
  readonly echo: boolean;
  /** The format our stream uses; undefined while our own offer waits for its answer. */
  readonly format?: RtpFormat | undefined;
}

/** RTP profiles whose packets we can echo: plain RTP (RFC 3551) and its feedback profile (RFC 4585). */
const RTP_PROFILES: ReadonlySet<string> = new Set(['RTP/AVP', 'RTP/AVPF']);

/** First dynamic payload type (RFC 3551 §3: 96–127 are dynamic). */
const FIRST_DYNAMIC = 96;

function head(address: string): string[] {
  const ipVer = address.includes(':') ? 'IP6' : 'IP4';
  return ['v=0', 's=sip4xx', `c=IN ${ipVer} ${address}`, 't=0 0'];
}

/** The encoding name of each format of a stream: its a=rtpmap, else the static assignment (RFC 3551 §6). */
function encodingOf(stream: OfferedStream, fmt: string): string | undefined {
  const prefix = `a=rtpmap:${fmt} `;
  const map = stream.attributes.find((a) => a.startsWith(prefix));
  if (map === undefined) return STATIC_PAYLOAD_TYPES[fmt]?.name;
  const enc = map.slice(prefix.length).trim();
  const slash = enc.indexOf('/');
  return slash === -1 ? enc : enc.slice(0, slash);
}

/**
 * The first offered format whose codec `accepts` takes. RFC 3264 §6.1: the answer's formats "MUST
 * be ones that were present in the offer", listed as the ones the answerer is willing to use.
 */
function chooseFormat(stream: OfferedStream, accepts: (codec: string) => boolean): string | undefined {
  for (const f of stream.fmts) {
    const name = encodingOf(stream, f);
    if (name !== undefined && !isAuxiliaryFormat(name) && accepts(name)) return f;
  }
  return undefined;
}

/**
 * Answer an offer. The first RTP stream with a codec we accept gets `port`; every other stream is
 * rejected: RFC 3264 §6: "To reject an offered stream, the port number in the corresponding stream
 * in the answer MUST be set to zero", and an offered stream with port zero stays rejected. The
 * answer has one m= line per offered one, in order (§6).
 */
export function sdpAnswer(offer: string, address: string, port: number, accepts: (codec: string) => boolean): SessionSdp {
  const lines = head(address);
  let remote: Endpoint | undefined;
  let echo = false;
  let format: RtpFormat | undefined;
  let taken = false;
  for (const stream of readStreams(offer)) {
    const fmt = !taken && stream.port !== 0 && RTP_PROFILES.has(stream.proto) ? chooseFormat(stream, accepts) : undefined;
    if (fmt === undefined) {
      lines.push(`m=${stream.media} 0 ${stream.proto} ${stream.fmts[0] ?? '0'}`);
      continue;
    }
    taken = true;
    const direction: Direction = answerDirection(stream.direction);
    lines.push(`m=${stream.media} ${port} ${stream.proto} ${fmt}`);
    for (const a of stream.attributes) if (a.startsWith(`a=rtpmap:${fmt} `) || a.startsWith(`a=fmtp:${fmt} `)) lines.push(a);
    lines.push(`a=${direction}`);
    remote = streamEndpoint(stream);
    echo = direction === 'sendrecv';
    format = formatOf(stream, fmt);
  }
  return { session: lines.join('\r\n') + '\r\n', remote, echo, format };
}

/**
 * RFC 3264 §5: an offer of what the user supports (its `codecs`), as one stream on `port`: the
 * media kind of the first codec (audio, normally), each codec with its static payload type or a
 * dynamic one from 96, every one with an a=rtpmap. The answer comes in the ACK (RFC 3261 §13.2.1).
 */
export function sdpOffer(codecs: readonly string[], address: string, port: number): SessionSdp {
  const described = codecs.map((c) => describeCodec(c));
  const kind = described.find((d) => !isAuxiliaryFormat(d.rtpmap.split('/')[0] as string))?.media ?? 'audio';
  const pts: string[] = [];
  const attrs: string[] = [];
  let dynamic = FIRST_DYNAMIC;
  for (const d of described) {
    if (d.media !== kind || dynamic > 127) continue;
    const pt = d.pt ?? String(dynamic++);
    pts.push(pt);
    attrs.push(`a=rtpmap:${pt} ${d.rtpmap}`);
    // RFC 4733 §2.4.1: the events a receiver takes; 0-15 is the default, 16 is flash.
    if (d.rtpmap.startsWith('telephone-event/')) attrs.push(`a=fmtp:${pt} 0-16`);
  }
  const lines = [...head(address), `m=${kind} ${port} RTP/AVP ${pts.join(' ')}`, ...attrs, 'a=sendrecv'];
  return { session: lines.join('\r\n') + '\r\n', remote: undefined, echo: true };
}

/**
 * The answer to our offer, carried by the ACK: where our (single) stream's media goes and whether
 * the answerer both sends and receives on it (RFC 3264 §6.1 directions, seen from the answerer).
 */
export function answerToOffer(answer: string | undefined): { remote: Endpoint | undefined; echo: boolean; format: RtpFormat | undefined } {
  const stream = answer === undefined ? undefined : readStreams(answer)[0];
  if (stream === undefined) return { remote: undefined, echo: true, format: undefined };
  const fmt = stream.fmts[0];
  return {
    remote: streamEndpoint(stream),
    echo: stream.port !== 0 && stream.direction === 'sendrecv',
    format: fmt === undefined ? undefined : formatOf(stream, fmt),
  };
}

/** A format of a stream as an RTP payload type and its encoding name; undefined if not RTP's. */
function formatOf(stream: OfferedStream, fmt: string): RtpFormat | undefined {
  const pt = Number(fmt);
  const encoding = encodingOf(stream, fmt);
  return /^\d{1,3}$/.test(fmt) && pt <= 127 && encoding !== undefined ? { pt, encoding } : undefined;
}
