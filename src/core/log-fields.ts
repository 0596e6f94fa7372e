/**
 * Bounds for what a log line copies from the network. A request's fields are the sender's to
 * choose (a 20 KB Call-ID is a valid one), so each is cut at a byte limit and marked as cut.
 * Request text is latin1 (one char per byte, sip/parse.ts), so a char count is a byte count.
 */

/** The most any one logged field takes from a message. */
export const MAX_FIELD_BYTES = 256;
/** The most of a raw message a debug line carries. */
export const MAX_RAW_BYTES = 4096;

/** `text`, or its first `max` bytes followed by `…[+N bytes]`. */
export function bounded(text: string, max: number = MAX_FIELD_BYTES): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[+${text.length - max} bytes]`;
}

/** The first `max` bytes of a message as latin1 text, marked when cut. */
export function boundedRaw(data: Buffer, max: number = MAX_RAW_BYTES): string {
  return data.length <= max ? data.toString('latin1') : `${data.toString('latin1', 0, max)}…[+${data.length - max} bytes]`;
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
