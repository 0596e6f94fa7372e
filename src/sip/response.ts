/**
 * Response construction per §8.2.6 and response routing per §18.2.2 / RFC 3581.
 *
 * Every string handed in is a JS string; header text copied from the request is latin1 (one char
 * per byte, see message.ts) and goes back out byte for byte. Text we add from configuration may hold
 * any Unicode, so it is converted to its UTF-8 bytes first (`wire`).
 */
import type { ResponseBasis, Via } from './message.js';
import type { Endpoint } from '../transport/flow.js';
import { reasonPhrase } from './status.js';
import { ParsedVia } from './parse-via.js';

export type HeaderPair = readonly [name: string, value: string];

/** What a rule decided to answer; the builder adds everything §8.2.6 makes mandatory. */
export interface ResponseSpec {
  readonly status: number;
  readonly reason?: string | undefined;
  readonly headers?: readonly HeaderPair[] | undefined;
  readonly body?: { readonly type: string; readonly content: Buffer | string } | undefined;
}

export interface ResponseContext {
  /** Added to To when the request had no tag (§8.2.6.2); stable for retransmissions. */
  readonly toTag: string;
  /** Server header value (§20.35), from config; empty string for none. */
  readonly server: string;
  /** Where the request came from: fills `received` / `rport` (§18.2.1, RFC 3581 §4). */
  readonly remote: Endpoint;
}

/**
 * Convert Unicode text to the latin1 string of its UTF-8 bytes; ASCII passes through untouched.
 * A CR or LF becomes a space: text we add comes from config and rules, and a line break in a
 * reason phrase or header value would end the line and let that text forge header fields
 * (§7.1 Reason-Phrase and §7.3 field values exclude bare CR/LF).
 */
export function wire(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f || c === 0x0d || c === 0x0a) {
      const safe = text.replace(/[\r\n]/g, ' ');
      return Buffer.from(safe, 'utf8').toString('latin1');
    }
  }
  return text;
}

/**
 * The top Via of a response, stamped with where the request really came from.
 *
 * §18.2.1: "If the host portion of the "sent-by" parameter contains a domain name, or if it
 * contains an IP address that differs from the packet source address, the server MUST add a
 * "received" parameter to that Via header field value. This parameter MUST contain the source
 * address from which the packet was received."
 *
 * RFC 3581 §4: "If this Via header field value contains an "rport" parameter with no value, it MUST
 * set the value of the parameter to the source port of the request. [...] the server MUST insert a
 * "received" parameter containing the source IP address that the request came from, even if it is
 * identical to the value of the "sent-by" component."
 */
export function stampTopVia(via: Via, remote: Endpoint): string {
  const fillRport = via.rport === true;
  const needReceived = fillRport || via.host !== hostForm(remote);
  if (!fillRport && !needReceived) return via.raw;
  // A parsed Via is edited where it stands (its text as the client wrote it, spacing included).
  const stamped = via instanceof ParsedVia ? via.stamped(fillRport ? remote.port : undefined, remote.address) : undefined;
  if (stamped !== undefined) return stamped;
  let out = `${via.protocol}/${via.transport} ${via.host}${via.port === undefined ? '' : `:${via.port}`}`;
  let wroteReceived = false;
  for (const p of via.params) {
    if (p.name === 'rport' && fillRport) {
      out += `;rport=${remote.port}`;
    } else if (p.name === 'received') {
      if (needReceived && !wroteReceived) out += `;received=${remote.address}`;
      wroteReceived = true;
    } else {
      out += p.value === undefined ? `;${p.name}` : `;${p.name}=${p.value}`;
    }
  }
  if (needReceived && !wroteReceived) out += `;received=${remote.address}`;
  return out;
}

function hostForm(remote: Endpoint): string {
  return remote.family === 'IPv6' ? `[${remote.address}]` : remote.address;
}

export function buildResponse(basis: ResponseBasis, spec: ResponseSpec, ctx: ResponseContext): Buffer {
  const status = spec.status;
  let out = `SIP/2.0 ${status} ${wire(spec.reason ?? reasonPhrase(status))}\r\n`;
  // §8.2.6.2: Via values in the same order, the top one stamped for routing.
  for (let i = 0; i < basis.via.length; i++) {
    const value = i === 0 && basis.topVia !== undefined ? stampTopVia(basis.topVia, ctx.remote) : basis.via[i];
    out += `Via: ${value}\r\n`;
  }
  if (basis.from !== undefined) out += `From: ${basis.from}\r\n`;
  if (basis.to !== undefined) {
    // §8.2.6.2: the UAS MUST add a tag to To if the request had none (a 100 Trying may omit it).
    const addTag = !basis.toHasTag && status !== 100 && ctx.toTag !== '';
    out += addTag ? `To: ${basis.to};tag=${ctx.toTag}\r\n` : `To: ${basis.to}\r\n`;
  }
  if (basis.callId !== undefined) out += `Call-ID: ${basis.callId}\r\n`;
  if (basis.cseq !== undefined) out += `CSeq: ${basis.cseq}\r\n`;
  if (spec.headers !== undefined) {
    for (const [name, value] of spec.headers) out += `${name}: ${wire(value)}\r\n`;
  }
  if (ctx.server !== '') out += `Server: ${wire(ctx.server)}\r\n`;
  if (spec.body === undefined) {
    out += 'Content-Length: 0\r\n\r\n';
    return Buffer.from(out, 'latin1');
  }
  const content = typeof spec.body.content === 'string' ? Buffer.from(spec.body.content, 'utf8') : spec.body.content;
  out += `Content-Type: ${wire(spec.body.type)}\r\nContent-Length: ${content.length}\r\n\r\n`;
  const head = Buffer.from(out, 'latin1');
  return Buffer.concat([head, content], head.length + content.length);
}

/**
 * §18.2.2 for unreliable transports, with RFC 3581 §4: send to the source address, and to the
 * source port when the request asked for rport; otherwise to the sent-by port (default 5060).
 * `maddr` is deliberately not honoured: answering to an address named in an unauthenticated
 * request would let anyone aim our responses at a third party (reflection). A sent-by port 0 fits
 * the grammar (§25.1 port = 1*DIGIT) but names no port a datagram can reach, so, as with rport,
 * the response goes back to the port the request came from.
 */
export function responseDestination(basis: ResponseBasis, remote: Endpoint): { address: string; port: number } {
  const via = basis.topVia;
  if (via === undefined || via.rport !== undefined || via.port === 0) return { address: remote.address, port: remote.port };
  return { address: remote.address, port: via.port ?? 5060 };
}

/** Whether a response's Contact values are a list of alternatives: 3xx (§8.3, §21.3) or 485 (§21.4.23). */
export function listsContacts(status: number): boolean {
  return (status >= 300 && status < 400) || status === 485;
}

/** The bytes a header line takes on the wire: `Name: value` and its CRLF. */
function lineBytes(name: string, value: string): number {
  return name.length + 4 + wire(value).length;
}

/**
 * The header pairs with the Contact values past the first `maxCount`, or past `maxBytes` of Contact
 * lines, left out; the first Contact is always kept, since a 3xx "MUST" carry one (§8.3). Other
 * header fields keep their order.
 */
export function capContacts(headers: readonly HeaderPair[], maxCount: number, maxBytes: number): readonly HeaderPair[] {
  let count = 0;
  let bytes = 0;
  let dropped = false;
  const out: HeaderPair[] = [];
  for (const h of headers) {
    if (h[0].toLowerCase() !== 'contact') {
      out.push(h);
      continue;
    }
    const size = lineBytes(h[0], h[1]);
    if (count > 0 && (count >= maxCount || bytes + size > maxBytes)) {
      dropped = true;
      continue;
    }
    count++;
    bytes += size;
    out.push(h);
  }
  return dropped ? out : headers;
}

/**
 * The header pairs with trailing Contact values left out until a response of `size` bytes fits in
 * `limit` — at least one Contact is kept. Over UDP a response cannot move the client to TCP
 * (§18.2.2 sends it where the request came from, over the same transport; §18.1.1's switch to a
 * congestion-controlled transport is the client's, for requests), so a list of alternatives
 * that would not fit is shortened rather than lost.
 */
export function shedContacts(headers: readonly HeaderPair[], size: number, limit: number): readonly HeaderPair[] {
  let excess = size - limit;
  if (excess <= 0) return headers;
  const contacts = headers.filter((h) => h[0].toLowerCase() === 'contact');
  const drop = new Set<HeaderPair>();
  for (let i = contacts.length - 1; i > 0 && excess > 0; i--) {
    const h = contacts[i] as HeaderPair;
    drop.add(h);
    excess -= lineBytes(h[0], h[1]);
  }
  return drop.size === 0 ? headers : headers.filter((h) => !drop.has(h));
}

/** UDP's largest payload (RFC 8085 §3.2): 65,535 less the IPv4 and UDP headers, or the UDP header. */
export function udpPayloadMax(remote: Endpoint): number {
  return remote.family === 'IPv6' ? 65527 : 65507;
}

export interface ResponseLimits {
  readonly contactList: { readonly maxCount: number; readonly maxBytes: number };
  readonly udpResponseBytes: number;
}

/**
 * A response's bytes within the configured bounds: a 3xx/485 lists at most contactList Contacts,
 * and over UDP sheds trailing Contacts past udpResponseBytes. A response that still exceeds the
 * largest datagram could never arrive: it becomes a 500 (§21.5.1, "an unexpected condition that
 * prevented it from fulfilling the request") with only the header fields §8.2.6 requires, and
 * `tooLarge` says so; were even that too large, the transport drops and counts it (udp.ts).
 */
export function buildFittingResponse(
  basis: ResponseBasis,
  spec: ResponseSpec,
  ctx: ResponseContext,
  udp: boolean,
  limits: ResponseLimits,
): { bytes: Buffer; status: number; tooLarge: boolean } {
  let s = spec;
  if (listsContacts(s.status) && s.headers !== undefined) {
    s = { ...s, headers: capContacts(s.headers, limits.contactList.maxCount, limits.contactList.maxBytes) };
  }
  let bytes = buildResponse(basis, s, ctx);
  if (!udp) return { bytes, status: s.status, tooLarge: false };
  if (bytes.length > limits.udpResponseBytes && listsContacts(s.status) && s.headers !== undefined) {
    const headers = shedContacts(s.headers, bytes.length, limits.udpResponseBytes);
    if (headers !== s.headers) bytes = buildResponse(basis, { ...s, headers }, ctx);
  }
  if (bytes.length <= udpPayloadMax(ctx.remote)) return { bytes, status: s.status, tooLarge: false };
  return { bytes: buildResponse(basis, { status: 500, reason: 'Response Too Large For UDP' }, ctx), status: 500, tooLarge: true };
}
