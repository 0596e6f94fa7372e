/**
 * A small reader of SDP (RFC 4566) offers: only what sip4xx needs to judge one — the version line
 * and each media description with its formats and their encoding names. Lines are split and their
 * fields read by position; no regular expression ever runs over the (untrusted) body.
 */
import { STATIC_PAYLOAD_TYPES } from './payload-types.js';

export interface SdpFormat {
  /** The <fmt> of the m= line: an RTP payload type number for RTP profiles. */
  readonly fmt: string;
  /** The encoding name: from a=rtpmap, or implied by a static payload type; undefined if neither. */
  readonly encoding: string | undefined;
}

export interface SdpMedia {
  readonly media: string;
  readonly port: number;
  readonly proto: string;
  readonly formats: readonly SdpFormat[];
}

export interface SessionDescription {
  readonly media: readonly SdpMedia[];
}

export type SdpReadResult = { readonly ok: true; readonly sdp: SessionDescription } | { readonly ok: false; readonly error: string };

/** Lines this long cannot be honest SDP; refusing them bounds the work done per body. */
const MAX_LINES = 2000;

function isDigits(s: string): boolean {
  if (s === '') return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Split on single spaces, dropping empty fields (RFC 4566 asks for one space; be lenient). */
function fields(s: string): string[] {
  return s.split(' ').filter((f) => f !== '');
}

export function readSdp(text: string): SdpReadResult {
  // RFC 4566 §5: "The sequence CRLF … is used to end a record, although parsers SHOULD be
  // tolerant and also accept records terminated with a single newline character."
  const lines = text.split('\n');
  if (lines.length > MAX_LINES) return { ok: false, error: 'too many lines' };
  let sawVersion = false;
  const media: { media: string; port: number; proto: string; fmts: string[]; rtpmap: Map<string, string> }[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') continue; // a trailing newline, or blank lines some UAs add
    // RFC 4566 §5: "<type>=<value>" where <type> is exactly one case-significant character.
    if (line.length < 2 || line[1] !== '=') return { ok: false, error: `line ${i + 1} is not <type>=<value>` };
    const type = line[0] as string;
    const value = line.slice(2);
    if (!sawVersion) {
      // RFC 4566 §5: a session description begins with "v=" — §5.1 "v=0".
      if (type !== 'v' || value.trim() !== '0') return { ok: false, error: 'does not begin with v=0' };
      sawVersion = true;
      continue;
    }
    if (type === 'm') {
      // RFC 4566 §5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ...
      const f = fields(value);
      const [name, portField, proto] = f;
      if (name === undefined || portField === undefined || proto === undefined || f.length < 4) return { ok: false, error: `malformed m= line ${i + 1}` };
      const slash = portField.indexOf('/');
      const port = slash === -1 ? portField : portField.slice(0, slash);
      if (!isDigits(port) || port.length > 5 || Number(port) > 65535) return { ok: false, error: `malformed port in m= line ${i + 1}` };
      media.push({ media: name.toLowerCase(), port: Number(port), proto, fmts: f.slice(3), rtpmap: new Map() });
    } else if (type === 'a' && media.length > 0 && value.startsWith('rtpmap:')) {
      // RFC 4566 §6: a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
      const sp = value.indexOf(' ');
      if (sp === -1) continue;
      const pt = value.slice(7, sp);
      const encoding = value.slice(sp + 1).trim();
      const slash = encoding.indexOf('/');
      const current = media[media.length - 1];
      current?.rtpmap.set(pt, slash === -1 ? encoding : encoding.slice(0, slash));
    }
  }
  if (!sawVersion) return { ok: false, error: 'empty' };
  return {
    ok: true,
    sdp: {
      media: media.map((m) => ({
        media: m.media,
        port: m.port,
        proto: m.proto,
        formats: m.fmts.map((fmt) => ({ fmt, encoding: m.rtpmap.get(fmt) ?? STATIC_PAYLOAD_TYPES[fmt]?.name })),
      })),
    },
  };
}
