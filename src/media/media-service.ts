/**
 * Media of answered calls (see README "Media"): one echo session per dialog, each on its own even
 * RTP port from `media.portMin`–`media.portMax` (RFC 3550 §11: RTP on an even port, RTCP on the
 * next odd one, which we leave unbound). The SDP is built synchronously, so a port is chosen here
 * first (reservePort), the 2xx goes out naming it, and start() then binds it. A port that fails to
 * bind is logged and never chosen again; its call simply has no echo.
 *
 * Bounded: at most `media.maxSessions` sessions, each closed after `media.maxCallSeconds`, at the
 * end of its dialog (BYE, expiry, a 2xx never ACKed — dialog-table.ts) and when the server closes.
 */
import dgram from 'node:dgram';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Endpoint } from '../sdp/sdp-streams.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { EchoSession, type MediaSocket } from './echo-session.js';
import type { RtpFormat } from './rtp-source.js';

/** Binds a UDP socket on `host`:`port` and feeds it packets; rejects when the port cannot be bound. */
export type BindMedia = (host: string, port: number, onPacket: (data: Buffer, from: Endpoint) => void, onError: (err: Error) => void) => Promise<MediaSocket>;

export interface MediaServiceDeps {
  readonly clock: Clock;
  readonly config: () => Readonly<Config>;
  readonly logger?: Logger | undefined;
  readonly bind?: BindMedia;
}

interface Live {
  readonly session: EchoSession;
  readonly lifetime: TimerHandle;
  /** The 20 ms tick of our own frames, once the dialog is confirmed (echo-session.ts). */
  ticker: TimerHandle | undefined;
}

/** RFC 3551 §4.2: the default packetization interval of audio, 20 ms. */
const FRAME_MS = 20;

export class MediaService {
  private readonly live = new Map<number, Live>();
  /** Ports that failed to bind (at most the size of the range). */
  private readonly unusable = new Set<number>();
  /** Round-robin: the next port to try, so a port just freed is the last to be reused. */
  private cursor = -1;
  private readonly bind: BindMedia;

  constructor(private readonly deps: MediaServiceDeps) {
    this.bind = deps.bind ?? bindUdp;
  }

  get size(): number {
    return this.live.size;
  }

  /** The session on `port` (tests and metrics read its counters). */
  session(port: number): EchoSession | undefined {
    return this.live.get(port)?.session;
  }

  /**
   * A free even port of the range for a new call, or undefined when `maxSessions` calls have media
   * or no port is free. With media disabled the range's first port is named in SDPs and never bound.
   */
  reservePort(): number | undefined {
    const m = this.deps.config().media;
    const first = m.portMin + (m.portMin % 2);
    if (!m.enabled) return first;
    if (this.live.size >= m.maxSessions) return undefined;
    const count = Math.floor((m.portMax - first) / 2) + 1;
    for (let i = 0; i < count; i++) {
      this.cursor = (this.cursor + 1) % count;
      const port = first + 2 * this.cursor;
      if (!this.live.has(port) && !this.unusable.has(port)) return port;
    }
    return undefined;
  }

  /** Start echoing on `port` (its 2xx went out), or point its running session elsewhere. */
  start(port: number, remote: Endpoint | undefined, echo: boolean, format?: RtpFormat): void {
    const existing = this.live.get(port);
    if (existing !== undefined) {
      existing.session.retarget(remote, echo, format);
      return;
    }
    const config = this.deps.config();
    const m = config.media;
    if (!m.enabled || this.live.size >= m.maxSessions) return;
    const session = new EchoSession(port, remote, echo, m, () => this.deps.clock.now(), format);
    const lifetime = this.deps.clock.setTimer(() => {
      this.deps.logger?.info({ port }, 'media session reached media.maxCallSeconds');
      this.stop(port);
    }, m.maxCallSeconds * 1000);
    this.live.set(port, { session, lifetime, ticker: undefined });
    const onError = (err: Error): void => {
      this.deps.logger?.warn({ port, err: errorCode(err) }, 'media socket error; session closed');
      this.stop(port);
    };
    this.bind(config.server.host, port, (data, from) => session.onPacket(data, from), onError).then(
      (socket) => session.attach(socket),
      (err: unknown) => {
        this.unusable.add(port);
        this.deps.logger?.warn({ port, err: errorCode(err) }, 'media port failed to bind; not used again');
        if (this.live.get(port)?.session === session) this.stop(port);
      },
    );
  }

  /** The dialog's ACK arrived: our own frames may go out from now on (echo-session.ts). */
  confirm(port: number): void {
    const l = this.live.get(port);
    if (l === undefined || l.ticker !== undefined) return;
    const tick = (): void => {
      if (this.live.get(port) !== l) return;
      l.session.tick();
      l.ticker = this.deps.clock.setTimer(tick, FRAME_MS);
    };
    l.ticker = this.deps.clock.setTimer(tick, FRAME_MS);
  }

  stop(port: number): void {
    const l = this.live.get(port);
    if (l === undefined) return;
    this.live.delete(port);
    this.deps.clock.clearTimer(l.lifetime);
    if (l.ticker !== undefined) this.deps.clock.clearTimer(l.ticker);
    l.session.close();
  }

  close(): void {
    for (const port of [...this.live.keys()]) this.stop(port);
  }
}

/** A bounded log field: the error's code (EADDRINUSE…) or the start of its message. */
function errorCode(err: unknown): string {
  if (err instanceof Error) return ((err as NodeJS.ErrnoException).code ?? err.message).slice(0, 64);
  return 'unknown';
}

const bindUdp: BindMedia = (host, port, onPacket, onError) =>
  new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    const failed = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once('error', failed);
    socket.on('message', (data, rinfo) => onPacket(data, { address: rinfo.address, port: rinfo.port }));
    socket.bind({ port, address: host, exclusive: true }, () => {
      socket.off('error', failed);
      socket.on('error', onError);
      resolve({
        // A send to an unreachable or wrong-family address fails alone; the session goes on.
        send: (data, p, address) => socket.send(data, p, address, () => undefined),
        close: () => socket.close(),
      });
    });
  });
