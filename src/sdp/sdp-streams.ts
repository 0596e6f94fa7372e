/**
 * The media streams of an SDP (RFC 4566) as the offer/answer model (RFC 3264) needs them: each
 * m= line with its attributes, the connection address that applies to it and its direction.
 * Lines are split and read by position; no regular expression runs over the (untrusted) body.
 */

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

export interface OfferedStream {
  readonly media: string;
  readonly port: number;
  readonly proto: string;
  readonly fmts: readonly string[];
  /** The a= lines of this media section, "a=" included, trimmed. */
  readonly attributes: readonly string[];
  /** RFC 4566 §5.7: the media-level c= address, else the session-level one; undefined if neither. */
  readonly address: string | undefined;
  /** RFC 3264 §5.1 / §6.1: the media-level direction, else the session-level one, else sendrecv. */
  readonly direction: Direction;
}

/** Where media for a stream goes. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** Bodies this long in lines cannot be honest SDP (as in sdp-offer.ts); the rest is ignored. */
const MAX_LINES = 2000;
/** Formats read per m= line; more than this is not an offer a phone makes. */
const MAX_FORMATS = 64;

interface Section {
  media: string;
  port: number;
  proto: string;
  fmts: string[];
  attributes: string[];
  address: string | undefined;
  direction: Direction | undefined;
}

/** The address of a c= value "IN IP4 192.0.2.1[/ttl[/n]]"; undefined when malformed. */
function connectionAddress(value: string): string | undefined {
  const f = value.split(' ').filter((s) => s !== '');
  if (f.length !== 3 || f[0] !== 'IN' || (f[1] !== 'IP4' && f[1] !== 'IP6')) return undefined;
  const addr = f[2] as string;
  const slash = addr.indexOf('/');
  return slash === -1 ? addr : addr.slice(0, slash);
}

export function readStreams(sdp: string): OfferedStream[] {
  const lines = sdp.split('\n', MAX_LINES);
  let sessionAddress: string | undefined;
  let sessionDirection: Direction | undefined;
  const sections: Section[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line.length < 2 || line[1] !== '=') continue;
    const value = line.slice(2);
    const current = sections[sections.length - 1];
    if (line[0] === 'm') {
      const f = value.split(' ').filter((s) => s !== '');
      if (f.length < 4) continue;
      const portField = f[1] as string;
      const slash = portField.indexOf('/');
      const port = Number(slash === -1 ? portField : portField.slice(0, slash));
      if (!Number.isInteger(port) || port < 0 || port > 65535) continue;
      sections.push({ media: f[0] as string, port, proto: f[2] as string, fmts: f.slice(3, 3 + MAX_FORMATS), attributes: [], address: undefined, direction: undefined });
    } else if (line[0] === 'c') {
      const addr = connectionAddress(value);
      if (current === undefined) sessionAddress = addr;
      else current.address = addr;
    } else if (line[0] === 'a') {
      const direction = DIRECTIONS.has(value) ? (value as Direction) : undefined;
      if (current === undefined) {
        if (direction !== undefined) sessionDirection = direction;
      } else {
        if (direction !== undefined) current.direction = direction;
        current.attributes.push(line);
      }
    }
  }
  return sections.map((s) => ({
    media: s.media,
    port: s.port,
    proto: s.proto,
    fmts: s.fmts,
    attributes: s.attributes,
    address: s.address ?? sessionAddress,
    direction: s.direction ?? sessionDirection ?? 'sendrecv',
  }));
}

/**
 * RFC 3264 §6.1: "If a stream is offered as sendonly, the corresponding stream MUST be marked as
 * recvonly or inactive in the answer. If a media stream is listed as recvonly in the offer, the
 * answer MUST be marked as sendonly or inactive … If an offered media stream is listed as
 * inactive, it MUST be marked as inactive in the answer." A sendrecv offer is answered sendrecv.
 */
export function answerDirection(offered: Direction): Direction {
  switch (offered) {
    case 'sendonly':
      return 'recvonly';
    case 'recvonly':
      return 'sendonly';
    default:
      return offered;
  }
}

/**
 * Where to send a stream's media, or undefined when it must not be sent to: port zero (a rejected
 * stream, RFC 3264 §6), no address, or the unspecified address RFC 3264 §8.4 describes as the old
 * way of putting a stream on hold (c=0.0.0.0).
 */
export function streamEndpoint(stream: OfferedStream): Endpoint | undefined {
  const a = stream.address;
  if (stream.port === 0 || a === undefined || a === '0.0.0.0' || a === '::') return undefined;
  return { address: a, port: stream.port };
}
