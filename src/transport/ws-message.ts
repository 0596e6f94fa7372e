/**
 * RFC 7118 §5: each SIP message travels in one WebSocket message, and a WebSocket message carries
 * no more than one SIP message. Pure: a frame in, a verdict out.
 */
import { contentLength } from './tcp-framer.js';

export type FrameVerdict =
  | { readonly kind: 'message'; readonly data: Buffer }
  /** Only CRLFs: nothing to hand on (§7.5 lets them precede a message). */
  | { readonly kind: 'empty' }
  /** Bytes past the Content-Length of the first message: a second message in the same frame. */
  | { readonly kind: 'several'; readonly extraBytes: number };

const CR = 0x0d;
const LF = 0x0a;
const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');

function onlyCrlfs(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== CR && buf[i] !== LF) return false;
  return true;
}

/**
 * The one SIP message of a frame. Without a readable Content-Length the frame is the message and
 * the parser judges it (the body runs to the end of the frame, as for a datagram, §18.3); with one,
 * anything but CRLFs after the body is a second message.
 */
export function sipMessageOf(frame: Buffer): FrameVerdict {
  let start = 0;
  while (start + 1 < frame.length && frame[start] === CR && frame[start + 1] === LF) start += 2;
  if (start >= frame.length || onlyCrlfs(frame, start)) return { kind: 'empty' };
  const headEnd = frame.indexOf(HEADER_END, start);
  if (headEnd === -1) return { kind: 'message', data: frame };
  const bodyStart = headEnd + HEADER_END.length;
  const cl = contentLength(frame, start, bodyStart);
  if (typeof cl !== 'number') return { kind: 'message', data: frame };
  const end = bodyStart + cl;
  if (end >= frame.length || onlyCrlfs(frame, end)) return { kind: 'message', data: frame };
  return { kind: 'several', extraBytes: frame.length - end };
}
