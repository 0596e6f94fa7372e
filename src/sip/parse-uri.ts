/**
 * SIP, SIPS and TEL URI parsing (RFC 3261 §19.1.1 and §25.1, RFC 3966, RFC 5954 for IPv6).
 *
 * Strict for sip/sips: a URI the grammar refuses is refused here, so a malformed Request-URI,
 * From, To or Contact gets a 400 naming it. Other schemes are kept as opaque absolute URIs so the
 * 416 rule, not the parser, decides about them (§8.2.2.1).
 */
import type { SipParam, SipUri } from './message.js';
import { isIPv6Address } from './ipv6.js';
import { HNVCHAR, PARAMCHAR, PASSWORD, TELCHAR, URIC, USER, allIn, isAlpha, isDigit, lowerSlice, parseDigits } from './charset.js';

const NO_PARAMS: readonly SipParam[] = Object.freeze([]);

/** Parse a URI; undefined when it does not follow its scheme's grammar. */
export function parseUri(raw: string): SipUri | undefined {
  const colon = raw.indexOf(':');
  if (colon <= 0 || !isScheme(raw, colon)) return undefined;
  const scheme = colon === 3 && raw.startsWith('sip') ? 'sip' : lowerSlice(raw, 0, colon);
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(raw, scheme, colon + 1);
  if (scheme === 'tel') return parseTelUri(raw, colon + 1);
  // absoluteURI = scheme ":" ( hier-part / opaque-part ): one or more uric characters.
  if (!allIn(raw, colon + 1, raw.length, URIC, true) && !allIn(raw, colon + 1, raw.length, URIC_SLASH, true)) return undefined;
  return { scheme, user: undefined, password: undefined, host: '', port: undefined, params: NO_PARAMS, headers: undefined, raw };
}

const URIC_SLASH = (() => {
  const t = new Uint8Array(URIC);
  t[0x2f] = 1;
  t[0x23] = 0;
  return t;
})();

/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
function isScheme(s: string, end: number): boolean {
  if (!isAlpha(s.charCodeAt(0))) return false;
  for (let i = 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!(isAlpha(c) || isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e)) return false;
  }
  return true;
}

function parseSipUri(raw: string, scheme: string, start: number): SipUri | undefined {
  const end = raw.length;
  // '@' can appear only as the userinfo terminator: user, password, params and headers exclude it.
  const at = raw.indexOf('@', start);
  let user: string | undefined;
  let password: string | undefined;
  let hostStart = start;
  if (at !== -1) {
    const pw = raw.indexOf(':', start);
    const userEnd = pw !== -1 && pw < at ? pw : at;
    if (!allIn(raw, start, userEnd, USER, true)) return undefined;
    user = raw.slice(start, userEnd);
    if (userEnd !== at) {
      if (at > userEnd + 1 && !allIn(raw, userEnd + 1, at, PASSWORD, true)) return undefined;
      password = raw.slice(userEnd + 1, at);
    }
    hostStart = at + 1;
  }
  let hostEnd = hostStart;
  while (hostEnd < end) {
    const c = raw.charCodeAt(hostEnd);
    if (c === 0x3b || c === 0x3f) break; // ';' '?'
    hostEnd++;
  }
  // hostport, inline rather than through parseHostPort: the {host, port} object it returns cost ~3%
  // of a plain INVITE's parse (three URIs per INVITE).
  const portColon = hostPortColon(raw, hostStart, hostEnd);
  if (portColon === -2) return undefined;
  const hostTo = portColon === -1 ? hostEnd : portColon;
  if (!isHost(raw, hostStart, hostTo)) return undefined;
  let port: number | undefined;
  if (portColon !== -1) {
    port = parseDigits(raw.slice(portColon + 1, hostEnd), 5);
    if (port === undefined || port > 65535) return undefined;
  }
  const q = hostEnd === end ? -1 : raw.indexOf('?', hostEnd);
  const paramsEnd = q === -1 ? end : q;
  const params = parseUriParams(raw, hostEnd, paramsEnd);
  if (params === undefined) return undefined;
  let headers: string | undefined;
  if (q !== -1) {
    headers = raw.slice(q + 1);
    if (!validUriHeaders(headers)) return undefined;
  }
  return { scheme, user, password, host: raw.slice(hostStart, hostTo), port, params, headers, raw };
}

/** Index of the ':' before the port in hostport s[from, to), -1 for none, -2 when malformed. */
function hostPortColon(s: string, from: number, to: number): number {
  let i: number;
  if (s.charCodeAt(from) === 0x5b) {
    i = s.indexOf(']', from);
    if (i === -1 || i >= to) return -2;
    i++;
    if (i === to) return -1;
    return s.charCodeAt(i) === 0x3a ? i : -2;
  }
  i = s.indexOf(':', from);
  return i === -1 || i >= to ? -1 : i;
}

/** host = hostname / IPv4address / IPv6reference, exactly s[from, to). */
export function isHost(s: string, from: number, to: number): boolean {
  if (from >= to) return false;
  if (s.charCodeAt(from) === 0x5b) {
    if (s.charCodeAt(to - 1) !== 0x5d) return false;
    return isIPv6Address(s, from + 1, to - 1);
  }
  // A hostname's top label starts with a letter, so a host starting with a digit is most likely IPv4.
  if (isDigit(s.charCodeAt(from)) && isIPv4(s, from, to)) return true;
  return isHostname(s, from, to);
}

/** uri-parameters = *( ";" uri-parameter ); uri-parameter = pname [ "=" pvalue ] */
function parseUriParams(raw: string, from: number, to: number): readonly SipParam[] | undefined {
  if (from >= to) return NO_PARAMS;
  const out: SipParam[] = [];
  let i = from;
  while (i < to) {
    // raw[i] is ';'
    let next = raw.indexOf(';', i + 1);
    if (next === -1 || next > to) next = to;
    const eq = raw.indexOf('=', i + 1);
    if (eq !== -1 && eq < next) {
      if (!allIn(raw, i + 1, eq, PARAMCHAR, true) || !allIn(raw, eq + 1, next, PARAMCHAR, true)) return undefined;
      out.push({ name: lowerSlice(raw, i + 1, eq), value: raw.slice(eq + 1, next) });
    } else {
      if (!allIn(raw, i + 1, next, PARAMCHAR, true)) return undefined;
      out.push({ name: lowerSlice(raw, i + 1, next), value: undefined });
    }
    i = next;
  }
  return out;
}

/** headers = header *( "&" header ); header = hname "=" hvalue; hvalue may be empty. */
function validUriHeaders(h: string): boolean {
  for (const part of h.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return false;
    if (!allIn(part, 0, eq, HNVCHAR, true)) return false;
    if (eq + 1 < part.length && !allIn(part, eq + 1, part.length, HNVCHAR, true)) return false;
  }
  return true;
}

/** telephone-subscriber (RFC 3966 §3): checked by character set, not digit-by-digit semantics. */
function parseTelUri(raw: string, start: number): SipUri | undefined {
  if (!allIn(raw, start, raw.length, TELCHAR, true)) return undefined;
  const semi = raw.indexOf(';', start);
  const number = raw.slice(start, semi === -1 ? raw.length : semi);
  if (number === '') return undefined;
  const params = semi === -1 ? NO_PARAMS : parseUriParams(raw, semi, raw.length);
  if (params === undefined) return undefined;
  return { scheme: 'tel', user: number, password: undefined, host: '', port: undefined, params, headers: undefined, raw };
}

export interface HostPort {
  readonly host: string;
  readonly port: number | undefined;
}

/** hostport = host [ ":" port ]; host = hostname / IPv4address / IPv6reference */
export function parseHostPort(s: string, from: number, to: number): HostPort | undefined {
  const colon = hostPortColon(s, from, to);
  if (colon === -2) return undefined;
  const hostEnd = colon === -1 ? to : colon;
  if (!isHost(s, from, hostEnd)) return undefined;
  let port: number | undefined;
  if (colon !== -1) {
    port = parseDigits(s.slice(colon + 1, to), 5);
    if (port === undefined || port > 65535) return undefined;
  }
  return { host: s.slice(from, hostEnd), port };
}

/** IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet (0–255 each). */
export function isIPv4(s: string, from: number, to: number): boolean {
  let octets = 0;
  let v = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      v = v * 10 + (c - 0x30);
      if (++digits > 3 || v > 255) return false;
    } else if (c === 0x2e && digits > 0 && octets < 3) {
      octets++;
      v = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  return octets === 3 && digits > 0;
}

/** Host character classes: letter, digit, hyphen, dot; 0 = not allowed in a hostname. */
const H_ALPHA = 1;
const H_DIGIT = 2;
const H_HYPHEN = 3;
const H_DOT = 4;
const HOST_CLASS = (() => {
  const t = new Uint8Array(128);
  for (let c = 0x41; c <= 0x5a; c++) t[c] = H_ALPHA;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = H_ALPHA;
  for (let c = 0x30; c <= 0x39; c++) t[c] = H_DIGIT;
  t[0x2d] = H_HYPHEN;
  t[0x2e] = H_DOT;
  return t;
})();

/**
 * hostname = *( domainlabel "." ) toplabel [ "." ]
 * domainlabel = alphanum / alphanum *( alphanum / "-" ) alphanum
 * toplabel = ALPHA / ALPHA *( alphanum / "-" ) alphanum
 *
 * One pass with a class table: this runs on five hosts of every INVITE (Request-URI, Via, From,
 * To, Contact) and was the parser's largest single cost as a two-pass label check.
 */
export function isHostname(s: string, from: number, to: number): boolean {
  if (from >= to) return false;
  let end = to;
  if (s.charCodeAt(end - 1) === 0x2e) end--; // the optional trailing dot
  let prev = H_DOT; // class of the previous char; a label starts after a dot
  let labelFirst = 0; // class of the current label's first char
  for (let i = from; i < end; i++) {
    const c = s.charCodeAt(i);
    const k = c < 128 ? (HOST_CLASS[c] as number) : 0;
    if (k === 0) return false;
    if (k === H_DOT) {
      if (prev === H_DOT || prev === H_HYPHEN) return false; // empty label, or one ending in "-"
    } else if (prev === H_DOT) {
      if (k === H_HYPHEN) return false; // a label starting with "-"
      labelFirst = k;
    }
    prev = k;
  }
  // The last label ends alphanumeric and, as the top label, starts with a letter.
  return prev !== H_DOT && prev !== H_HYPHEN && labelFirst === H_ALPHA;
}
