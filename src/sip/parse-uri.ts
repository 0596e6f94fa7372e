/**
 * SIP, SIPS and TEL URI parsing (RFC 3261 §19.1.1 and §25.1, RFC 3966, RFC 5954 for IPv6).
 *
 * Strict for sip/sips: a URI the grammar refuses is refused here, so a malformed Request-URI,
 * From, To or Contact gets a 400 naming it. Other schemes are kept as opaque absolute URIs so the
 * 416 rule, not the parser, decides about them (§8.2.2.1).
 *
 * The parsers take a range of a larger string (the message head) so that a URI is read in place,
 * once, rather than sliced out and read again.
 */
import type { SipParam, SipUri } from './message.js';
import { HNVCHAR, PARAMCHAR, PASSWORD, TELCHAR, URIC, USER, allIn, isAlpha, isDigit, isHex, lowerSlice } from './charset.js';
import { digitsEnd, portAt, scanHost } from './parse-host.js';

export { isHost, isHostname, isIPv4, parseHostPort, type HostPort } from './parse-host.js';

const NO_PARAMS: readonly SipParam[] = Object.freeze([]);

/** Parse a URI; undefined when it does not follow its scheme's grammar. */
export function parseUri(raw: string): SipUri | undefined {
  return parseUriIn(raw, 0, raw.length);
}

/** Parse the URI s[from, to); undefined when it does not follow its scheme's grammar. */
export function parseUriIn(s: string, from: number, to: number): SipUri | undefined {
  const colon = s.indexOf(':', from);
  if (colon <= from || colon >= to || !isScheme(s, from, colon)) return undefined;
  const scheme = colon - from === 3 && s.startsWith('sip', from) ? 'sip' : lowerSlice(s, from, colon);
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(s, from, to, scheme, colon + 1);
  if (scheme === 'tel') return parseTelUri(s, from, to, colon + 1);
  // absoluteURI = scheme ":" ( hier-part / opaque-part ): one or more uric characters.
  if (!allIn(s, colon + 1, to, URIC, true) && !allIn(s, colon + 1, to, URIC_SLASH, true)) return undefined;
  return { scheme, user: undefined, password: undefined, host: '', port: undefined, params: NO_PARAMS, headers: undefined, raw: s.slice(from, to) };
}

const URIC_SLASH = (() => {
  const t = new Uint8Array(URIC);
  t[0x2f] = 1;
  t[0x23] = 0;
  return t;
})();

/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), exactly s[from, end) */
function isScheme(s: string, from: number, end: number): boolean {
  if (!isAlpha(s.charCodeAt(from))) return false;
  for (let i = from + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (!(isAlpha(c) || isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e)) return false;
  }
  return true;
}

/**
 * End of the run of `t` characters and %XX escapes at `i` (before `to`). A '%' not followed by two
 * hex digits ends the run, so the caller's check of what follows refuses it.
 */
function runEnd(s: string, i: number, to: number, t: Uint8Array): number {
  while (i < to) {
    const c = s.charCodeAt(i);
    if (t[c] === 1) i++;
    else if (c === 0x25 && i + 2 < to && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) i += 3;
    else break;
  }
  return i;
}

/**
 * SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ] (SIPS-URI likewise), with
 * s[start] just after the scheme's ':'.
 */
function parseSipUri(s: string, from: number, to: number, scheme: string, start: number): SipUri | undefined {
  // '@' can appear only as the userinfo terminator: user, password, params and headers exclude it.
  const at = s.indexOf('@', start);
  let user: string | undefined;
  let password: string | undefined;
  let hostStart = start;
  if (at !== -1 && at < to) {
    const pw = s.indexOf(':', start);
    const userEnd = pw !== -1 && pw < at ? pw : at;
    if (!allIn(s, start, userEnd, USER, true)) return undefined;
    user = s.slice(start, userEnd);
    if (userEnd !== at) {
      if (at > userEnd + 1 && !allIn(s, userEnd + 1, at, PASSWORD, true)) return undefined;
      password = s.slice(userEnd + 1, at);
    }
    hostStart = at + 1;
  }
  const hostEnd = scanHost(s, hostStart, to);
  if (hostEnd === -1) return undefined;
  let i = hostEnd;
  let port: number | undefined;
  if (i < to && s.charCodeAt(i) === 0x3a) {
    const portEnd = digitsEnd(s, i + 1, to);
    const p = portAt(s, i + 1, portEnd);
    if (p === -1) return undefined;
    port = p;
    i = portEnd;
  }
  // uri-parameters = *( ";" uri-parameter ); uri-parameter = pname [ "=" pvalue ]
  let params = NO_PARAMS;
  if (i < to && s.charCodeAt(i) === 0x3b) {
    const out: SipParam[] = [];
    i = scanUriParams(s, i, to, out);
    if (i === -1) return undefined;
    params = out;
  }
  let headers: string | undefined;
  if (i < to) {
    if (s.charCodeAt(i) !== 0x3f || !validUriHeaders(s, i + 1, to)) return undefined;
    headers = s.slice(i + 1, to);
  }
  return { scheme, user, password, host: s.slice(hostStart, hostEnd), port, params, headers, raw: s.slice(from, to) };
}

/**
 * uri-parameters from the ';' at `i`: each appended to `out`; the index where they end (`to` or a
 * '?'), or -1 when malformed. pname = 1*paramchar; pvalue = 1*paramchar (paramchar excludes ';' '?'
 * and '=').
 */
function scanUriParams(s: string, i: number, to: number, out: SipParam[]): number {
  while (i < to && s.charCodeAt(i) === 0x3b) {
    const nameStart = i + 1;
    const nameEnd = runEnd(s, nameStart, to, PARAMCHAR);
    if (nameEnd === nameStart) return -1;
    const name = lowerSlice(s, nameStart, nameEnd);
    i = nameEnd;
    if (i < to && s.charCodeAt(i) === 0x3d) {
      const valueEnd = runEnd(s, i + 1, to, PARAMCHAR);
      if (valueEnd === i + 1) return -1;
      out.push({ name, value: s.slice(i + 1, valueEnd) });
      i = valueEnd;
    } else {
      out.push({ name, value: undefined });
    }
  }
  return i === to || s.charCodeAt(i) === 0x3f ? i : -1;
}

/** headers = header *( "&" header ); header = hname "=" hvalue; hvalue may be empty. */
function validUriHeaders(s: string, i: number, to: number): boolean {
  for (;;) {
    const nameEnd = runEnd(s, i, to, HNVCHAR);
    if (nameEnd === i || nameEnd >= to || s.charCodeAt(nameEnd) !== 0x3d) return false;
    i = runEnd(s, nameEnd + 1, to, HNVCHAR);
    if (i === to) return true;
    if (s.charCodeAt(i) !== 0x26) return false;
    i++;
  }
}

/** telephone-subscriber (RFC 3966 §3): checked by character set, not digit-by-digit semantics. */
function parseTelUri(s: string, from: number, to: number, start: number): SipUri | undefined {
  if (!allIn(s, start, to, TELCHAR, true)) return undefined;
  let semi = s.indexOf(';', start);
  if (semi === -1 || semi > to) semi = to;
  if (semi === start) return undefined;
  const number = s.slice(start, semi);
  let params = NO_PARAMS;
  if (semi < to) {
    const out: SipParam[] = [];
    if (scanUriParams(s, semi, to, out) !== to) return undefined;
    params = out;
  }
  return { scheme: 'tel', user: number, password: undefined, host: '', port: undefined, params, headers: undefined, raw: s.slice(from, to) };
}
