/**
 * RTP that sip4xx sends on its own in an answered call, so a client that sends no media of its own
 * (a softphone without a sound card sends only STUN keep-alives) still sees a live media path:
 * linphone, for one, ends a call after `nortp_timeout` seconds without RTP ("media connectivity
 * lost"). One 20 ms frame per packet (RFC 3551 §4.2 default packetization), in the call's codec:
 *
 * - PCMU / PCMA (RFC 3551 §4.5.14): a quiet 425 Hz tone (ITU-T E.180's common tone frequency) at
 *   about -30 dBov, G.711 μ-law or A-law coded, 160 samples a frame at 8000 Hz;
 * - opus (RFC 7587): the three-byte packet [0xF8, 0xFF, 0xFE], a 20 ms CELT frame of silence
 *   (RFC 6716 §3.1: TOC config 31, mono, one frame), timestamp clock 48000 Hz (RFC 7587 §4.1).
 *
 * Any other codec gets no frames of ours (its payload would need a real encoder); its calls still
 * have the echo of what the client sends (echo-session.ts).
 */

/** The format our stream uses: its RTP payload type and encoding name (from the SDP). */
export interface RtpFormat {
  readonly pt: number;
  readonly encoding: string;
}

interface FrameKind {
  /** Timestamp units per 20 ms frame. */
  readonly step: number;
  frame(index: number): Buffer;
}

const SAMPLE_RATE = 8000;
const FRAME_SAMPLES = 160;
const TONE_HZ = 425;
/** -30 dBov: 32767 · 10^(-30/20) ≈ 1036. */
const TONE_AMPLITUDE = 1036;
/** One second holds exactly 425 cycles, so 50 frames loop without a click. */
const FRAMES_PER_CYCLE = SAMPLE_RATE / FRAME_SAMPLES;

/** ITU-T G.711 μ-law of a 16-bit linear sample. */
export function ulaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let s = Math.min(Math.abs(sample), 32635) + 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  s = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | s) & 0xff;
}

const ALAW_SEGMENT_ENDS = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

/** ITU-T G.711 A-law of a 16-bit linear sample (even bits inverted, 0xD5 mask). */
export function alaw(sample: number): number {
  let v = sample >> 3;
  let mask = 0xd5;
  if (v < 0) {
    mask = 0x55;
    v = -v - 1;
  }
  const seg = ALAW_SEGMENT_ENDS.findIndex((end) => v <= end);
  if (seg === -1) return 0x7f ^ mask;
  const mantissa = seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
  return ((seg << 4) | mantissa) ^ mask;
}

function toneFrames(code: (sample: number) => number): FrameKind {
  const frames: Buffer[] = [];
  for (let f = 0; f < FRAMES_PER_CYCLE; f++) {
    const b = Buffer.alloc(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const n = f * FRAME_SAMPLES + i;
      b[i] = code(Math.round(TONE_AMPLITUDE * Math.sin((2 * Math.PI * TONE_HZ * n) / SAMPLE_RATE)));
    }
    frames.push(b);
  }
  return { step: FRAME_SAMPLES, frame: (i) => frames[i % frames.length] as Buffer };
}

const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

const KINDS: Readonly<Record<string, () => FrameKind>> = {
  pcmu: () => toneFrames(ulaw),
  pcma: () => toneFrames(alaw),
  opus: () => ({ step: 960, frame: () => OPUS_SILENCE }),
};
const built = new Map<string, FrameKind>();

function kindOf(encoding: string): FrameKind | undefined {
  const name = encoding.toLowerCase();
  const make = KINDS[name];
  if (make === undefined) return undefined;
  let kind = built.get(name);
  if (kind === undefined) built.set(name, (kind = make()));
  return kind;
}

/** Whether sip4xx has frames of its own for this codec. */
export function canSource(format: RtpFormat | undefined): boolean {
  return format !== undefined && kindOf(format.encoding) !== undefined;
}

/**
 * One RTP stream of ours (RFC 3550 §5.1): a random SSRC, sequence number and timestamp start
 * (§5.1: "The initial value of the sequence number SHOULD be random"), the marker bit on the first
 * packet (RFC 3551 §4.1: the first packet of a talkspurt). `next()` is the packet for the next 20 ms.
 */
export class RtpSource {
  private readonly kind: FrameKind;
  private seq: number;
  private timestamp: number;
  private readonly ssrc: number;
  private index = 0;

  constructor(
    private readonly format: RtpFormat,
    random: () => number = Math.random,
  ) {
    const kind = kindOf(format.encoding);
    if (kind === undefined) throw new Error(`no frames for ${format.encoding}`);
    this.kind = kind;
    this.seq = Math.floor(random() * 0x10000);
    this.timestamp = Math.floor(random() * 0x100000000);
    this.ssrc = Math.floor(random() * 0x100000000);
  }

  next(): Buffer {
    const payload = this.kind.frame(this.index);
    const packet = Buffer.alloc(12 + payload.length);
    packet[0] = 0x80; // V=2, no padding, no extension, no CSRC
    packet[1] = (this.index === 0 ? 0x80 : 0) | (this.format.pt & 0x7f);
    packet.writeUInt16BE(this.seq, 2);
    packet.writeUInt32BE(this.timestamp >>> 0, 4);
    packet.writeUInt32BE(this.ssrc >>> 0, 8);
    payload.copy(packet, 12);
    this.seq = (this.seq + 1) & 0xffff;
    this.timestamp = (this.timestamp + this.kind.step) % 0x100000000;
    this.index++;
    return packet;
  }
}
