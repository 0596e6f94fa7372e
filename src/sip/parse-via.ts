/**
 * Via (§20.42, §25.1):
 *   via-parm = sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = protocol-name SLASH protocol-version SLASH transport   (SLASH = SWS "/" SWS)
 *   sent-by = host [ COLON port ]
 * plus RFC 3581 `rport`. One call parses one via-parm; a header line may hold several, which
 * `parseViaInto` separates.
 */
import type { SipParam, Via } from './message.js';
import { TOKEN, codesOf, isWsp, latin1Bytes, parseDigits, spellsAt, upperSlice } from './charset.js';
import { ParamCursor, scanParam, skipWsTo } from './parse-params.js';
import { digitsEnd, isIPv4, portAt, scanHost } from './parse-host.js';
import { isIPv6Address } from './ipv6.js';

/** Parse every via-parm of one Via header value; undefined if any of them is malformed. */
export function parseViaList(value: string): Via[] | undefined {
  const out: Via[] = [];
  return parseViaInto(value, out) ? out : undefined;
}

/** Append every via-parm of one Via header value to `out`; false if any of them is malformed. */
export function parseViaInto(value: string, out: Via[]): boolean {
  return parseViaIn(value, latin1Bytes(value), 0, value.length, out);
}

/**
 * Append every via-parm of the Via header value s[from, to) to `out`, reading it from its bytes b
 * (b[i] is s.charCodeAt(i)); false if any is malformed.
 * `text`, when given, is s[from, to) already sliced: a via-parm that is the whole value takes it as
 * its `raw` instead of slicing it again.
 */
export function parseViaIn(s: string, b: Uint8Array, from: number, to: number, out: Via[], text?: string): boolean {
  let i = from;
  for (;;) {
    const end = parseViaAt(s, b, i, to, out, i === from ? text : undefined);
    if (end === -1) return false;
    i = skipWsTo(b, end, to);
    if (i >= to) return true;
    if (b[i] !== 0x2c) return false;
    i = skipWsTo(b, i + 1, to);
  }
}

/** Parse a single via-parm (the whole string). */
export function parseVia(value: string): Via | undefined {
  const out: Via[] = [];
  const b = latin1Bytes(value);
  const end = parseViaAt(value, b, 0, value.length, out, undefined);
  return end !== -1 && skipWsTo(b, end, value.length) === value.length ? out[0] : undefined;
}

function token(b: Uint8Array, i: number, to: number): number {
  while (i < to && TOKEN[b[i] as number] === 1) i++;
  return i;
}

function slash(b: Uint8Array, i: number, to: number): number {
  i = skipWsTo(b, i, to);
  if (i >= to || b[i] !== 0x2f) return -1;
  return skipWsTo(b, i + 1, to);
}

const SIP_2_0_SLASH = codesOf('SIP/2.0/');
const UDP = codesOf('UDP');
const TCP = codesOf('TCP');
const TLS = codesOf('TLS');

/** The transport of "SIP/2.0/<transport> " as everybody writes it, or undefined. */
function commonSentProtocol(b: Uint8Array, i: number, to: number): string | undefined {
  if (i + 12 > to || !spellsAt(b, i, SIP_2_0_SLASH) || !isWsp(b[i + 11] as number)) return undefined;
  if (spellsAt(b, i + 8, UDP)) return 'UDP';
  if (spellsAt(b, i + 8, TCP)) return 'TCP';
  if (spellsAt(b, i + 8, TLS)) return 'TLS';
  return undefined;
}

const cursor = new ParamCursor();

/**
 * A via-parm that `parseViaAt` validated. The generic parameter list is built in the validating
 * scan, not on first read: every response to a request with `;rport` (nearly every client) reads it
 * to stamp the top Via, and building it later from a copy of the text cost ~0.5 µs a response
 * against ~0.05 µs here.
 */
class ParsedVia implements Via {
  constructor(
    readonly protocol: string,
    readonly transport: string,
    readonly host: string,
    readonly port: number | undefined,
    readonly branch: string | undefined,
    readonly rport: number | true | undefined,
    readonly received: string | undefined,
    readonly maddr: string | undefined,
    readonly raw: string,
    readonly params: readonly SipParam[],
  ) {}
}

/** Parse the via-parm at `start`, push it to `out`; the index after it, or -1 when malformed. */
function parseViaAt(s: string, b: Uint8Array, start: number, to: number, out: Via[], text: string | undefined): number {
  let i = skipWsTo(b, start, to);
  const nameStart = i;
  let protocol = 'SIP/2.0';
  let transport = commonSentProtocol(b, i, to);
  if (transport !== undefined) {
    i += 11;
  } else {
    i = token(b, i, to);
    if (i === nameStart) return -1;
    const nameEnd = i;
    i = slash(b, i, to);
    if (i === -1) return -1;
    const verStart = i;
    i = token(b, i, to);
    if (i === verStart) return -1;
    const verEnd = i;
    i = slash(b, i, to);
    if (i === -1) return -1;
    const trStart = i;
    i = token(b, i, to);
    if (i === trStart) return -1;
    transport = upperSlice(s, trStart, i);
    protocol = protocolOf(s, nameStart, nameEnd, verStart, verEnd);
  }
  // LWS = [*WSP CRLF] 1*WSP: at least one blank before sent-by.
  const wsStart = i;
  i = skipWsTo(b, i, to);
  if (i === wsStart) return -1;
  // sent-by ends at ';', ',' or whitespace; COLON may carry whitespace around it.
  const hostStart = i;
  const hostEnd = scanHost(s, b, hostStart, to);
  if (hostEnd === -1) return -1;
  let port: number | undefined;
  let j = skipWsTo(b, hostEnd, to);
  if (j < to && b[j] === 0x3a) {
    j = skipWsTo(b, j + 1, to);
    const portEnd = digitsEnd(b, j, to);
    const p = portAt(b, j, portEnd);
    if (p === -1) return -1;
    port = p;
    j = portEnd;
  } else {
    j = hostEnd;
  }
  // *( SEMI via-params ), one pass: the fields we model are picked out as the parameters are read
  // (first occurrence wins).
  const cur = cursor;
  let params: SipParam[] | undefined;
  let branch: string | undefined;
  let hasBranch = false;
  let rport: number | true | undefined;
  let received: string | undefined;
  let hasReceived = false;
  let hasTtl = false;
  let maddr: string | undefined;
  let hasMaddr = false;
  for (;;) {
    j = skipWsTo(b, j, to);
    if (j >= to) break;
    const c = b[j];
    if (c === 0x2c) break;
    if (c !== 0x3b) return -1;
    j = scanParam(s, b, skipWsTo(b, j + 1, to), to, cur);
    if (j === -1) return -1;
    const name = cur.name;
    const value = cur.value(s);
    (params ??= []).push({ name, value });
    switch (name) {
      case 'branch':
        if (hasBranch) break;
        hasBranch = true;
        // via-branch = "branch" EQUAL token
        if (!cur.tokenValue) return -1;
        branch = value;
        break;
      case 'rport':
        if (rport !== undefined) break;
        if (cur.valueStart === -1) rport = true;
        else {
          const p = portAt(b, cur.valueStart, cur.valueEnd);
          if (p === -1) return -1;
          rport = p;
        }
        break;
      case 'received': {
        if (hasReceived) break;
        hasReceived = true;
        // via-received = "received" EQUAL (IPv4address / IPv6address)
        if (value === undefined || !isAddress(value)) return -1;
        received = value;
        break;
      }
      case 'ttl': {
        if (hasTtl) break;
        hasTtl = true;
        const t = value === undefined ? undefined : parseDigits(value, 3);
        if (t === undefined || t > 255) return -1;
        break;
      }
      case 'maddr':
        if (hasMaddr) break;
        hasMaddr = true;
        if (cur.valueStart === -1) return -1;
        maddr = value;
        break;
    }
  }
  let rawEnd = j;
  while (rawEnd > nameStart && isWsp(b[rawEnd - 1] as number)) rawEnd--;
  const raw = text !== undefined && nameStart === start && rawEnd === to ? text : s.slice(nameStart, rawEnd);
  out.push(new ParsedVia(protocol, transport, s.slice(hostStart, hostEnd), port, branch, rport, received, maddr, raw, params ?? NO_VIA_PARAMS));
  return j;
}

const NO_VIA_PARAMS: readonly SipParam[] = Object.freeze([]);

/** "SIP/2.0" without building it for the one protocol everybody sends. */
function protocolOf(s: string, nameStart: number, nameEnd: number, verStart: number, verEnd: number): string {
  if (nameEnd - nameStart === 3 && verEnd - verStart === 3 && s.startsWith('SIP', nameStart) && s.startsWith('2.0', verStart)) {
    return 'SIP/2.0';
  }
  return `${s.slice(nameStart, nameEnd)}/${s.slice(verStart, verEnd)}`;
}

function isAddress(v: string): boolean {
  if (v.charCodeAt(0) === 0x5b) return v.charCodeAt(v.length - 1) === 0x5d && isIPv6Address(v, 1, v.length - 1);
  return isIPv4(v, 0, v.length) || isIPv6Address(v, 0, v.length);
}
