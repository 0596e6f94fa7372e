/**
 * Bounds for what a log line copies from the network. A request's fields are the sender's to
 * choose (a 20 KB Call-ID is a valid one), so each is cut at a byte limit and marked as cut.
 * Request text is latin1 (one char per byte, sip/parse.ts), so a char count is a byte count.
 */

/** The most any one logged field takes from a message. */
export const MAX_FIELD_BYTES = 256;
/**
 * The most bytes the raw message of a debug line takes once written as a JSON string: control
 * bytes are escaped (up to 6 bytes each) and bytes over 0x7f take 2 in UTF-8, so the cut is made
 * on the written size, keeping the whole line under 4 KB.
 */
export const MAX_RAW_BYTES = 3072;

/** `text`, or its first `max` bytes followed by `…[+N bytes]`. */
export function bounded(text: string, max: number = MAX_FIELD_BYTES): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[+${text.length - max} bytes]`;
}

/** Bytes `text` takes written as a JSON string (quotes included). */
function writtenBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8');
}

/** The first bytes of a message as latin1 text, as many as fit `max` bytes written, marked when cut. */
export function boundedRaw(data: Buffer, max: number = MAX_RAW_BYTES): string {
  let n = Math.min(data.length, max);
  let text = data.toString('latin1', 0, n);
  // Each pass shrinks n in proportion to the overshoot; (max - 2) / 6 bytes always fit, so this ends.
  for (let size = writtenBytes(text); size > max; size = writtenBytes(text)) {
    n = Math.max(Math.floor((max - 2) / 6), Math.floor((n * max) / size) - 8);
    text = data.toString('latin1', 0, n);
  }
  return n === data.length ? text : `${text}…[+${data.length - n} bytes]`;
}

/**
 * The Request-URI of a request line, read from the raw bytes when the parser refused the request:
 * the text between the first and second space of the first line, bounded.
 */
export function requestUriOf(data: Buffer): string | undefined {
  const lineEnd = data.indexOf(0x0d);
  const end = lineEnd === -1 ? data.length : lineEnd;
  const sp1 = data.indexOf(0x20);
  if (sp1 === -1 || sp1 >= end) return undefined;
  const sp2 = data.indexOf(0x20, sp1 + 1);
  const uriEnd = sp2 === -1 || sp2 > end ? end : sp2;
  // The request line is within the parser's header limit, so decoding it whole is bounded too.
  return uriEnd > sp1 + 1 ? bounded(data.toString('latin1', sp1 + 1, uriEnd)) : undefined;
}
