/**
 * Via (§20.42, §25.1):
 *   via-parm = sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = protocol-name SLASH protocol-version SLASH transport   (SLASH = SWS "/" SWS)
 *   sent-by = host [ COLON port ]
 * plus RFC 3581 `rport`. One call parses one via-parm; a header line may hold several, which
 * `parseViaInto` separates.
 */
import type { SipParam, Via } from './message.js';
import { TOKEN, codesOf, isWsp, latin1Bytes, parseDigitsIn, spellsAt, upperSlice } from './charset.js';
import { ParamCursor, scanParam, scanParams, skipWsTo } from './parse-params.js';
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
 * A via-parm that `parseViaAt` validated. The fields a server reads are set at once; the generic
 * parameter list is built from `raw` on first read (a list and an object per parameter were ~0.4 KB
 * of every request). A response stamps the top Via (§18.2.1, RFC 3581) by editing `raw` where the
 * scan saw a bare `rport` and the `received` value (`stamped`), so it needs no list either.
 */
export class ParsedVia implements Via {
  #params: readonly SipParam[] | undefined;

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
    /** Offsets into `raw`: where the parameters start (its first ';'), or raw.length for none… */
    private readonly paramsAt: number,
    /** …just after the name of the first `rport` when it has no value (else -1)… */
    private readonly rportNameEnd: number,
    /** …and the value of the first `received` (-1 when there is none; -2 when there are several). */
    private readonly receivedStart: number,
    private readonly receivedEnd: number,
  ) {
    this.#params = paramsAt === raw.length ? NO_VIA_PARAMS : undefined;
  }

  get params(): readonly SipParam[] {
    if (this.#params === undefined) {
      const out: SipParam[] = [];
      // Validated by the scan that built this object, so the rescan cannot fail.
      scanParams(this.raw, latin1Bytes(this.raw), this.paramsAt, this.raw.length, false, out);
      this.#params = out;
    }
    return this.#params;
  }

  /**
   * `raw` with the bare `rport` given `rport` as its value (when not undefined) and the value of
   * `received` set to `received` — replaced where it stands, else appended; undefined when the
   * via-parm holds several `received` parameters (the caller then rebuilds it from `params`).
   */
  stamped(rport: number | undefined, received: string): string | undefined {
    if (this.receivedStart === -2) return undefined;
    const raw = this.raw;
    // Two edits at most: the received value replaced (or appended), and "=port" after "rport".
    const append = this.receivedStart === -1;
    const recAt = append ? raw.length : this.receivedStart;
    const recEnd = append ? raw.length : this.receivedEnd;
    const rec = append ? `;received=${received}` : received;
    const r = rport === undefined ? -1 : this.rportNameEnd;
    if (r === -1) return raw.slice(0, recAt) + rec + raw.slice(recEnd);
    // A bare rport cannot stand inside the received value, so it is before or after it.
    if (r <= recAt) return `${raw.slice(0, r)}=${rport}${raw.slice(r, recAt)}${rec}${raw.slice(recEnd)}`;
    return `${raw.slice(0, recAt)}${rec}${raw.slice(recEnd, r)}=${rport}${raw.slice(r)}`;
  }
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
  const paramsAt = j;
  let rportNameEnd = -1;
  let receivedStart = -1;
  let receivedEnd = -1;
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
    const pnameStart = skipWsTo(b, j + 1, to);
    j = scanParam(s, b, pnameStart, to, cur);
    if (j === -1) return -1;
    const name = cur.name;
    switch (name) {
      case 'branch':
        if (hasBranch) break;
        hasBranch = true;
        // via-branch = "branch" EQUAL token
        if (!cur.tokenValue) return -1;
        branch = cur.value(s);
        break;
      case 'rport':
        if (rport !== undefined) break;
        if (cur.valueStart === -1) {
          rport = true;
          rportNameEnd = pnameStart + 5;
        } else {
          const p = portAt(b, cur.valueStart, cur.valueEnd);
          if (p === -1) return -1;
          rport = p;
        }
        break;
      case 'received': {
        if (hasReceived) {
          receivedStart = -2;
          break;
        }
        hasReceived = true;
        // via-received = "received" EQUAL (IPv4address / IPv6address)
        const value = cur.value(s);
        if (value === undefined || !isAddress(value)) return -1;
        received = value;
        receivedStart = cur.valueStart;
        receivedEnd = cur.valueEnd;
        break;
      }
      case 'ttl': {
        if (hasTtl) break;
        hasTtl = true;
        const t = cur.valueStart === -1 ? undefined : parseDigitsIn(b, cur.valueStart, cur.valueEnd, 3);
        if (t === undefined || t > 255) return -1;
        break;
      }
      case 'maddr':
        if (hasMaddr) break;
        hasMaddr = true;
        if (cur.valueStart === -1) return -1;
        maddr = cur.value(s);
        break;
    }
  }
  let rawEnd = j;
  while (rawEnd > nameStart && isWsp(b[rawEnd - 1] as number)) rawEnd--;
  const raw = text !== undefined && nameStart === start && rawEnd === to ? text : s.slice(nameStart, rawEnd);
  // Offsets into `raw`, which starts at nameStart.
  const o = nameStart;
  out.push(
    new ParsedVia(
      protocol, transport, s.slice(hostStart, hostEnd), port, branch, rport, received, maddr, raw,
      paramsAt - o, rportNameEnd === -1 ? -1 : rportNameEnd - o,
      receivedStart < 0 ? receivedStart : receivedStart - o, receivedEnd < 0 ? -1 : receivedEnd - o,
    ),
  );
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
