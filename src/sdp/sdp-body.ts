/**
 * Where the session description of a request is: the body itself (application/sdp), or a body part
 * of a multipart/mixed body (RFC 5621 §3, RFC 2046 §5.1). Read with indexOf, never with a regular
 * expression over the untrusted body.
 */

/** A parameter of a Content-Type value (`boundary`), quotes removed; undefined if absent. */
export function mediaTypeParam(contentType: string, name: string): string | undefined {
  const parts = contentType.split(';');
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i] as string;
    const eq = p.indexOf('=');
    if (eq === -1 || p.slice(0, eq).trim().toLowerCase() !== name) continue;
    const v = p.slice(eq + 1).trim();
    return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
  }
  return undefined;
}

export interface BodyPart {
  /** Lower-case type/subtype, parameters dropped; 'text/plain' when the part has none (RFC 2046 §5.1). */
  readonly type: string;
  readonly content: string;
}

/** The parts of a multipart body (RFC 2046 §5.1.1): text between "--boundary" delimiter lines. */
export function multipartParts(body: string, boundary: string): BodyPart[] {
  const delimiter = `--${boundary}`;
  const parts: BodyPart[] = [];
  let at = body.startsWith(delimiter) ? 0 : body.indexOf(`\n${delimiter}`);
  if (at === -1) return parts;
  for (;;) {
    const lineEnd = body.indexOf('\n', at + (at === 0 ? 0 : 1));
    if (lineEnd === -1) break;
    // "--boundary--" closes the body.
    const afterDelim = at + (at === 0 ? 0 : 1) + delimiter.length;
    if (body.startsWith('--', afterDelim)) break;
    const next = body.indexOf(`\n${delimiter}`, lineEnd);
    const end = next === -1 ? body.length : next;
    let part = body.slice(lineEnd + 1, end);
    if (part.endsWith('\r')) part = part.slice(0, -1);
    parts.push(splitPart(part));
    if (next === -1) break;
    at = next;
  }
  return parts;
}

function splitPart(part: string): BodyPart {
  // No header fields at all: the part begins with the blank line that ends them.
  if (part.startsWith('\r\n')) return { type: 'text/plain', content: part.slice(2) };
  if (part.startsWith('\n')) return { type: 'text/plain', content: part.slice(1) };
  const crlf = part.indexOf('\r\n\r\n');
  const lf = part.indexOf('\n\n');
  const [headEnd, sepLen] = crlf !== -1 && (lf === -1 || crlf < lf) ? [crlf, 4] : [lf, 2];
  const head = headEnd === -1 ? part : part.slice(0, headEnd);
  const content = headEnd === -1 ? '' : part.slice(headEnd + sepLen);
  let type = 'text/plain';
  for (const raw of head.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === 'content-type' || name === 'c') type = (line.slice(colon + 1).split(';')[0] ?? '').trim().toLowerCase();
  }
  return { type, content };
}

/**
 * The SDP text of a request body, or undefined when there is none: the body for application/sdp,
 * the first application/sdp part of a multipart/mixed body.
 */
export function sdpOfBody(type: string | undefined, rawContentType: string | undefined, body: Buffer): string | undefined {
  if (body.length === 0 || type === undefined) return undefined;
  if (type === 'application/sdp') return body.toString('latin1');
  if (type !== 'multipart/mixed' || rawContentType === undefined) return undefined;
  const boundary = mediaTypeParam(rawContentType, 'boundary');
  if (boundary === undefined || boundary === '') return undefined;
  return multipartParts(body.toString('latin1'), boundary).find((p) => p.type === 'application/sdp')?.content;
}
