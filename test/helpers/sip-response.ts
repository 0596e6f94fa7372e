/**
 * A deliberately simple test-side response parser: independent of src/sip so a bug in the server
 * cannot hide behind the same bug in the code that checks it.
 */

export interface ResponseHeader {
  /** As written on the wire. */
  readonly name: string;
  readonly value: string;
}

export interface ParsedResponse {
  readonly status: number;
  readonly reason: string;
  /** Every header line in order (values latin1: one char per byte). */
  readonly headers: readonly ResponseHeader[];
  /** The first value of a header (name case-insensitive), or undefined. */
  get(name: string): string | undefined;
  /** Every value of a header, in order, one per header line. */
  getAll(name: string): string[];
  readonly body: Buffer;
  /** The whole message as latin1 text. */
  readonly text: string;
}

export class ResponseParseError extends Error {}

export function parseResponse(data: Buffer | string): ParsedResponse {
  const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const text = buf.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd === -1) throw new ResponseParseError(`no end of header block in ${JSON.stringify(text.slice(0, 200))}`);
  const lines = text.slice(0, headEnd).split('\r\n');
  const m = /^SIP\/2\.0 (\d{3}) (.*)$/.exec(lines[0] ?? '');
  if (m === null) throw new ResponseParseError(`not a status line: ${JSON.stringify(lines[0])}`);
  const headers: ResponseHeader[] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ResponseParseError(`not a header line: ${JSON.stringify(line)}`);
    headers.push({ name: line.slice(0, colon), value: line.slice(colon + 1).trim() });
  }
  const getAll = (name: string): string[] => headers.filter((h) => h.name.toLowerCase() === name.toLowerCase()).map((h) => h.value);
  return {
    status: Number(m[1]),
    reason: m[2] ?? '',
    headers,
    get: (name) => getAll(name)[0],
    getAll,
    body: buf.subarray(headEnd + 4),
    text,
  };
}

/** The tag parameter of a To/From value, or undefined. */
export function tagOf(nameAddr: string | undefined): string | undefined {
  return nameAddr === undefined ? undefined : /;\s*tag=([^;\s,]+)/i.exec(nameAddr)?.[1];
}

/** Parameters of a `Digest a=b, c="d"` challenge, quotes removed. */
export function digestParams(challenge: string): Record<string, string> {
  const out: Record<string, string> = {};
  const m = /^Digest\s+(.*)$/i.exec(challenge);
  if (m === null) return out;
  for (const p of (m[1] ?? '').matchAll(/([a-zA-Z0-9-]+)=("(?:[^"\\]|\\.)*"|[^,\s]+)/g)) {
    const v = p[2] ?? '';
    out[(p[1] ?? '').toLowerCase()] = v.startsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
  }
  return out;
}
