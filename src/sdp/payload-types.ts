/**
 * RTP payload types an SDP offer may use without an a=rtpmap line: the static assignments of
 * RFC 3551 §6 (Tables 4 and 5). RFC 4566 §6 (rtpmap): "for static payload types … the encoding
 * name … [is] implied by the payload type", so `m=audio 4000 RTP/AVP 0` offers PCMU.
 */
export interface StaticPayload {
  readonly name: string;
  readonly clock: number;
  readonly channels?: number;
}

export const STATIC_PAYLOAD_TYPES: Readonly<Record<string, StaticPayload>> = {
  '0': { name: 'PCMU', clock: 8000 },
  '3': { name: 'GSM', clock: 8000 },
  '4': { name: 'G723', clock: 8000 },
  '5': { name: 'DVI4', clock: 8000 },
  '6': { name: 'DVI4', clock: 16000 },
  '7': { name: 'LPC', clock: 8000 },
  '8': { name: 'PCMA', clock: 8000 },
  '9': { name: 'G722', clock: 8000 },
  '10': { name: 'L16', clock: 44100, channels: 2 },
  '11': { name: 'L16', clock: 44100 },
  '12': { name: 'QCELP', clock: 8000 },
  '13': { name: 'CN', clock: 8000 },
  '14': { name: 'MPA', clock: 90000 },
  '15': { name: 'G728', clock: 8000 },
  '16': { name: 'DVI4', clock: 11025 },
  '17': { name: 'DVI4', clock: 22050 },
  '18': { name: 'G729', clock: 8000 },
  '25': { name: 'CelB', clock: 90000 },
  '26': { name: 'JPEG', clock: 90000 },
  '28': { name: 'nv', clock: 90000 },
  '31': { name: 'H261', clock: 90000 },
  '32': { name: 'MPV', clock: 90000 },
  '33': { name: 'MP2T', clock: 90000 },
  '34': { name: 'H263', clock: 90000 },
};

/**
 * Formats that ride along with a codec but carry no media of their own: DTMF events (RFC 4733),
 * comfort noise (RFC 3389), redundancy and FEC (RFC 2198, RFC 5109), retransmission (RFC 4588).
 * An offer of only these offers no codec, so they never make an offer acceptable by themselves.
 */
const AUXILIARY = new Set(['telephone-event', 'cn', 'red', 'ulpfec', 'flexfec', 'rtx']);

export function isAuxiliaryFormat(name: string): boolean {
  return AUXILIARY.has(name.toLowerCase());
}

/** Clock rate and media of well-known dynamic codecs, for describing what we support. */
const DYNAMIC: Readonly<Record<string, { media: 'audio' | 'video'; rtpmap: string }>> = {
  opus: { media: 'audio', rtpmap: 'opus/48000/2' },
  'telephone-event': { media: 'audio', rtpmap: 'telephone-event/8000' },
  ilbc: { media: 'audio', rtpmap: 'iLBC/8000' },
  speex: { media: 'audio', rtpmap: 'speex/8000' },
  'amr': { media: 'audio', rtpmap: 'AMR/8000' },
  'amr-wb': { media: 'audio', rtpmap: 'AMR-WB/16000' },
  g7221: { media: 'audio', rtpmap: 'G7221/16000' },
  h264: { media: 'video', rtpmap: 'H264/90000' },
  h265: { media: 'video', rtpmap: 'H265/90000' },
  'h263-1998': { media: 'video', rtpmap: 'H263-1998/90000' },
  vp8: { media: 'video', rtpmap: 'VP8/90000' },
  vp9: { media: 'video', rtpmap: 'VP9/90000' },
  av1: { media: 'video', rtpmap: 'AV1/90000' },
};

/** How to write a codec name in an SDP we generate: a static payload type, or a dynamic rtpmap. */
export function describeCodec(name: string): { media: 'audio' | 'video'; pt?: string; rtpmap: string } {
  const lower = name.toLowerCase();
  for (const [pt, s] of Object.entries(STATIC_PAYLOAD_TYPES)) {
    if (s.name.toLowerCase() === lower) {
      return { media: s.clock === 90000 ? 'video' : 'audio', pt, rtpmap: `${s.name}/${s.clock}${s.channels === undefined ? '' : `/${s.channels}`}` };
    }
  }
  return DYNAMIC[lower] ?? { media: 'audio', rtpmap: `${name}/8000` };
}
