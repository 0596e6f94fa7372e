/**
 * Builds SIP requests for tests: a valid CRLF message with sane defaults and a unique Call-ID,
 * From tag and branch on every call, so tests only spell out what they are about.
 */
import { randomBytes } from 'node:crypto';

export type HeaderList = readonly (readonly [name: string, value: string])[] | Readonly<Record<string, string>>;

export interface RequestSpec {
  /** Default INVITE. */
  readonly method?: string;
  /** Default `sip:bob@127.0.0.1`. */
  readonly uri?: string;
  /** One value or several, top first, each on its own Via line. Default: UDP from 127.0.0.1:5070 with `rport`. */
  readonly via?: string | readonly string[];
  /** Full From value. Default `"Carol" <sip:carol@127.0.0.1>;tag=<unique>`: a caller no config knows, so no auth rule applies. */
  readonly from?: string;
  /** Full To value. Default `<sip:bob@127.0.0.1>` (no tag). */
  readonly to?: string;
  readonly callId?: string;
  /** Full CSeq value, or just its number (the method is appended). Default `1 <method>`. */
  readonly cseq?: string | number;
  /** `null` leaves the header out. Default 70. */
  readonly maxForwards?: number | null;
  /** Extra headers, written after the mandatory ones and before Content-Length. */
  readonly headers?: HeaderList;
  readonly body?: string | Buffer;
  /** Content-Length to write instead of the body's length; `null` leaves the header out. */
  readonly contentLength?: number | null;
  /** SIP-Version of the request line. Default SIP/2.0. */
  readonly version?: string;
}

let counter = 0;
const RUN = randomBytes(3).toString('hex');

/** A fresh token: unique within the process and from one run to the next. */
export function uniqueToken(prefix = ''): string {
  counter++;
  return `${prefix}${RUN}${counter.toString(36)}`;
}

/** An RFC 3261 branch (§8.1.1.7: starts with the magic cookie z9hG4bK). */
export function uniqueBranch(): string {
  return uniqueToken('z9hG4bK');
}

export function uniqueCallId(): string {
  return `${uniqueToken('call')}@test.invalid`;
}

export function defaultVia(transport: 'UDP' | 'TCP' = 'UDP', sentBy = '127.0.0.1:5070'): string {
  return `SIP/2.0/${transport} ${sentBy};branch=${uniqueBranch()};rport`;
}

function headerPairs(headers: HeaderList | undefined): (readonly [string, string])[] {
  if (headers === undefined) return [];
  return Array.isArray(headers) ? [...(headers as readonly (readonly [string, string])[])] : Object.entries(headers);
}

/** The request as a latin1 string (one char per byte). */
export function buildRequestText(spec: RequestSpec = {}): string {
  return buildRequest(spec).toString('latin1');
}

export function buildRequest(spec: RequestSpec = {}): Buffer {
  const method = spec.method ?? 'INVITE';
  const uri = spec.uri ?? 'sip:bob@127.0.0.1';
  const vias = spec.via === undefined ? [defaultVia()] : typeof spec.via === 'string' ? [spec.via] : spec.via;
  const from = spec.from ?? `"Carol" <sip:carol@127.0.0.1>;tag=${uniqueToken('f')}`;
  const to = spec.to ?? '<sip:bob@127.0.0.1>';
  const callId = spec.callId ?? uniqueCallId();
  const cseq = spec.cseq === undefined ? `1 ${method}` : typeof spec.cseq === 'number' ? `${spec.cseq} ${method}` : spec.cseq;
  const body = spec.body === undefined ? Buffer.alloc(0) : typeof spec.body === 'string' ? Buffer.from(spec.body, 'utf8') : spec.body;

  let head = `${method} ${uri} ${spec.version ?? 'SIP/2.0'}\r\n`;
  for (const v of vias) head += `Via: ${v}\r\n`;
  if (spec.maxForwards !== null) head += `Max-Forwards: ${spec.maxForwards ?? 70}\r\n`;
  head += `From: ${from}\r\nTo: ${to}\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\n`;
  for (const [name, value] of headerPairs(spec.headers)) head += `${name}: ${value}\r\n`;
  if (spec.contentLength !== null) head += `Content-Length: ${spec.contentLength ?? body.length}\r\n`;
  head += '\r\n';
  // latin1 so that header text given as one-char-per-byte strings goes out byte for byte.
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/**
 * The ACK for a non-2xx final response (§17.1.1.3): the request's Request-URI, top Via, From,
 * Call-ID and CSeq number, the response's To (with its tag). Stops the server's Timer G
 * retransmissions of the final response over UDP.
 */
export function buildAck(request: Buffer | string, responseTo: string): Buffer {
  const text = typeof request === 'string' ? request : request.toString('latin1');
  const line = (name: string): string => {
    const m = new RegExp(`\\r\\n${name}[ \\t]*:[ \\t]*([^\\r]*)`, 'i').exec(text);
    if (m === null) throw new Error(`buildAck: no ${name} in the request`);
    return (m[1] ?? '').trim();
  };
  const uri = text.slice(text.indexOf(' ') + 1, text.indexOf(' SIP/'));
  const cseq = Number.parseInt(line('CSeq'), 10);
  return buildRequest({ method: 'ACK', uri, via: line('Via'), from: line('From'), to: responseTo, callId: line('Call-ID'), cseq: `${cseq} ACK` });
}
