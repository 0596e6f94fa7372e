/**
 * Via (§20.42, §25.1):
 *   via-parm = sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = protocol-name SLASH protocol-version SLASH transport   (SLASH = SWS "/" SWS)
 *   sent-by = host [ COLON port ]
 * plus RFC 3581 `rport`. One call parses one via-parm; a header line may hold several, which
 * `parseViaList` separates.
 */
import type { SipParam, Via } from './message.js';
import { TOKEN, isDigit, parseDigits, upperSlice } from './charset.js';
import { parseParams, skipWs } from './parse-params.js';
import { isHost, isIPv4 } from './parse-uri.js';
import { isIPv6Address } from './ipv6.js';

/** Parse every via-parm of one Via header value; undefined if any of them is malformed. */
export function parseViaList(value: string): Via[] | undefined {
  const out: Via[] = [];
  return parseViaInto(value, out) ? out : undefined;
}

/** Append every via-parm of one Via header value to `out`; false if any of them is malformed. */
export function parseViaInto(value: string, out: Via[]): boolean {
  let i = 0;
  for (;;) {
    const end = parseViaAt(value, i, out);
    if (end === -1) return false;
    i = skipWs(value, end);
    if (i >= value.length) return true;
    if (value.charCodeAt(i) !== 0x2c) return false;
    i = skipWs(value, i + 1);
  }
}

/** Parse a single via-parm (the whole string). */
export function parseVia(value: string): Via | undefined {
  const out: Via[] = [];
  const end = parseViaAt(value, 0, out);
  return end !== -1 && skipWs(value, end) === value.length ? out[0] : undefined;
}

function token(s: string, i: number): number {
  while (i < s.length && TOKEN[s.charCodeAt(i)] === 1) i++;
  return i;
}

function slash(s: string, i: number): number {
  i = skipWs(s, i);
  if (s.charCodeAt(i) !== 0x2f) return -1;
  return skipWs(s, i + 1);
}

/** Parse the via-parm at `start`, push it to `out`; the index after it, or -1 when malformed. */
function parseViaAt(s: string, start: number, out: Via[]): number {
  let i = skipWs(s, start);
  const nameStart = i;
  i = token(s, i);
  if (i === nameStart) return -1;
  const nameEnd = i;
  i = slash(s, i);
  if (i === -1) return -1;
  const verStart = i;
  i = token(s, i);
  if (i === verStart) return -1;
  const verEnd = i;
  i = slash(s, i);
  if (i === -1) return -1;
  const trStart = i;
  i = token(s, i);
  if (i === trStart) return -1;
  const transport = upperSlice(s, trStart, i);
  // LWS = [*WSP CRLF] 1*WSP: at least one blank before sent-by.
  const wsStart = i;
  i = skipWs(s, i);
  if (i === wsStart) return -1;
  // sent-by ends at ';', ',' or whitespace; COLON may carry whitespace around it.
  const hostStart = i;
  let hostEnd = i;
  if (s.charCodeAt(i) === 0x5b) {
    hostEnd = s.indexOf(']', i);
    if (hostEnd === -1) return -1;
    hostEnd++;
  } else {
    while (hostEnd < s.length) {
      const c = s.charCodeAt(hostEnd);
      if (c === 0x3b || c === 0x2c || c === 0x3a || c === 0x20 || c === 0x09) break;
      hostEnd++;
    }
  }
  if (!isHost(s, hostStart, hostEnd)) return -1;
  let port: number | undefined;
  let j = skipWs(s, hostEnd);
  if (s.charCodeAt(j) === 0x3a) {
    j = skipWs(s, j + 1);
    const ps = j;
    while (j < s.length && isDigit(s.charCodeAt(j))) j++;
    port = parseDigits(s.slice(ps, j), 5);
    if (port === undefined || port > 65535) return -1;
  } else {
    j = hostEnd;
  }
  const parsed = parseParams(s, j, true);
  if (parsed === undefined) return -1;
  const params = parsed.params;
  // One pass over the parameters instead of a findParam per name (first occurrence wins).
  let branch: SipParam | undefined;
  let rportParam: SipParam | undefined;
  let received: SipParam | undefined;
  let ttl: SipParam | undefined;
  let maddr: SipParam | undefined;
  for (let k = 0; k < params.length; k++) {
    const p = params[k] as SipParam;
    switch (p.name) {
      case 'branch':
        branch ??= p;
        break;
      case 'rport':
        rportParam ??= p;
        break;
      case 'received':
        received ??= p;
        break;
      case 'ttl':
        ttl ??= p;
        break;
      case 'maddr':
        maddr ??= p;
        break;
    }
  }
  if (branch !== undefined && (branch.value === undefined || !isTokenValue(branch.value))) return -1;
  let rport: number | true | undefined;
  if (rportParam !== undefined) {
    if (rportParam.value === undefined) rport = true;
    else {
      const p = parseDigits(rportParam.value, 5);
      if (p === undefined || p > 65535) return -1;
      rport = p;
    }
  }
  // via-received = "received" EQUAL (IPv4address / IPv6address)
  if (received !== undefined && (received.value === undefined || !isAddress(received.value))) return -1;
  if (ttl !== undefined) {
    const t = ttl.value === undefined ? undefined : parseDigits(ttl.value, 3);
    if (t === undefined || t > 255) return -1;
  }
  if (maddr !== undefined && maddr.value === undefined) return -1;
  let rawEnd = parsed.end;
  while (rawEnd > nameStart && (s.charCodeAt(rawEnd - 1) === 0x20 || s.charCodeAt(rawEnd - 1) === 0x09)) rawEnd--;
  out.push({
    protocol: protocolOf(s, nameStart, nameEnd, verStart, verEnd),
    transport,
    host: s.slice(hostStart, hostEnd),
    port,
    branch: branch?.value,
    rport,
    received: received?.value,
    maddr: maddr?.value,
    params,
    raw: s.slice(nameStart, rawEnd),
  });
  return parsed.end;
}

/** "SIP/2.0" without building it for the one protocol everybody sends. */
function protocolOf(s: string, nameStart: number, nameEnd: number, verStart: number, verEnd: number): string {
  if (nameEnd - nameStart === 3 && verEnd - verStart === 3 && s.startsWith('SIP', nameStart) && s.startsWith('2.0', verStart)) {
    return 'SIP/2.0';
  }
  return `${s.slice(nameStart, nameEnd)}/${s.slice(verStart, verEnd)}`;
}

function isTokenValue(v: string): boolean {
  for (let i = 0; i < v.length; i++) if (TOKEN[v.charCodeAt(i)] !== 1) return false;
  return v.length > 0;
}

function isAddress(v: string): boolean {
  if (v.charCodeAt(0) === 0x5b) return v.charCodeAt(v.length - 1) === 0x5d && isIPv6Address(v, 1, v.length - 1);
  return isIPv4(v, 0, v.length) || isIPv6Address(v, 0, v.length);
}
