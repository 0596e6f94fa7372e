/**
 * One call's media: RTP that arrives on our port is sent back to the client, so its media path
 * stays alive (a softphone ends a call whose RTP stops, e.g. linphone's "media connectivity
 * lost"). Bytes in, bytes out; the socket and the clock are passed in.
 *
 * - Destination: the address the SDP agreed (the offer's c=/m=, or the answer in the ACK); with
 *   none known, the source of the packets (symmetric RTP, as RFC 4961 describes) — never more
 *   than what arrived, so the echo cannot amplify.
 * - Only RTP (RFC 3550 §5.1: version 2, a 12-byte header at least) is echoed. RTCP — on port + 1
 *   (RFC 3550 §11), which we never bind, or multiplexed on this port (RFC 5761 §4: packet types
 *   192–223) — is ignored: an echoed report would describe the client's own stream back to it.
 * - Bounded: at most `maxPacketsPerSecond` packets of at most `maxBytesPerPacket` bytes each per
 *   one-second window (so at most their product in bytes per second); larger packets are dropped.
 * - Our own frames (rtp-source.ts) fill the silence: once the dialog is confirmed by its ACK (a
 *   spoofed INVITE never gets one: its sender never sees our To tag), a stream that both sends and
 *   receives gets one packet of ours per 20 ms tick in which nothing was echoed, to the same place.
 */
import type { Endpoint } from '../sdp/sdp-streams.js';
import { RtpSource, canSource, type RtpFormat } from './rtp-source.js';

export interface MediaSocket {
  send(data: Buffer, port: number, address: string): void;
  close(): void;
}

export interface EchoLimits {
  readonly maxPacketsPerSecond: number;
  readonly maxBytesPerPacket: number;
}

export interface EchoCounters {
  received: number;
  echoed: number;
  dropped: number;
  /** Packets of our own frames sent (rtp-source.ts). */
  own: number;
}

const RTP_HEADER_BYTES = 12;

export class EchoSession {
  private socket: MediaSocket | undefined;
  private closed = false;
  private windowStart = -Infinity;
  private windowPackets = 0;
  private latched: Endpoint | undefined;
  private source: RtpSource | undefined;
  private lastEcho = -Infinity;
  readonly counters: EchoCounters = { received: 0, echoed: 0, dropped: 0, own: 0 };

  constructor(
    readonly port: number,
    private remote: Endpoint | undefined,
    private echo: boolean,
    private readonly limits: EchoLimits,
    private readonly now: () => number,
    private format?: RtpFormat,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** The socket is bound; a session closed while binding closes it at once. */
  attach(socket: MediaSocket): void {
    if (this.closed) socket.close();
    else this.socket = socket;
  }

  /** A new offer or answer moved the stream (re-INVITE, UPDATE, the answer in an ACK). */
  retarget(remote: Endpoint | undefined, echo: boolean, format?: RtpFormat): void {
    this.remote = remote;
    this.echo = echo;
    if (format !== undefined && (format.pt !== this.format?.pt || format.encoding !== this.format.encoding)) {
      this.format = format;
      this.source = undefined;
    }
  }

  /** Whether our own frames can go out at all: a two-way stream in a codec we have frames for. */
  get sendsOwn(): boolean {
    return !this.closed && this.echo && canSource(this.format);
  }

  /** One 20 ms tick: a frame of ours when nothing was echoed in the last two ticks. */
  tick(): void {
    const to = this.remote ?? this.latched;
    if (!this.sendsOwn || this.socket === undefined || to === undefined || this.now() - this.lastEcho < 40) return;
    this.source ??= new RtpSource(this.format as RtpFormat);
    this.counters.own++;
    this.socket.send(this.source.next(), to.port, to.address);
  }

  onPacket(data: Buffer, from: Endpoint): void {
    if (this.closed || this.socket === undefined) return;
    this.counters.received++;
    if (!this.echo || !isRtp(data) || data.length > this.limits.maxBytesPerPacket || !this.withinRate()) {
      this.counters.dropped++;
      return;
    }
    this.latched ??= { address: from.address, port: from.port };
    const to = this.remote ?? this.latched;
    this.counters.echoed++;
    this.lastEcho = this.now();
    this.socket.send(data, to.port, to.address);
  }

  private withinRate(): boolean {
    const t = this.now();
    if (t - this.windowStart >= 1000) {
      this.windowStart = t;
      this.windowPackets = 0;
    }
    if (this.windowPackets >= this.limits.maxPacketsPerSecond) return false;
    this.windowPackets++;
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket?.close();
    this.socket = undefined;
  }
}

/** RFC 3550 §5.1: version 2 and a whole fixed header; RTCP's packet types 192–223 excluded (RFC 5761 §4). */
export function isRtp(data: Buffer): boolean {
  if (data.length < RTP_HEADER_BYTES || (data[0] as number) >> 6 !== 2) return false;
  const pt = data[1] as number;
  return pt < 192 || pt > 223;
}
