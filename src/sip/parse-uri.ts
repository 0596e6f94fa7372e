/**
 * SIP, SIPS and TEL URI parsing (RFC 3261 §19.1.1 and §25.1, RFC 3966, RFC 5954 for IPv6).
 *
 * Strict for sip/sips: a URI the grammar refuses is refused here, so a malformed Request-URI,
 * From, To or Contact gets a 400 naming it. Other schemes are kept as opaque absolute URIs so the
 * 416 rule, not the parser, decides about them (§8.2.2.1).
 *
 * The parsers take a range of a larger string (the message head) so that a URI is read in place,
 * once, rather than sliced out and read again; they read its chars from b, the same text as bytes
 * (the message's Buffer: b[i] is s.charCodeAt(i)), and slice s.
 */
import type { SipParam, SipUri } from './message.js';
import { HNVCHAR, PARAMCHAR, PASSWORD, TELCHAR, URIC, USER, codesOf, isAlpha, isDigit, isHex, latin1Bytes, lowerSlice, spellsAt } from './charset.js';
import { digitsEnd, portAt, scanHost } from './parse-host.js';

export { isHost, isHostname, isIPv4, parseHostPort, type HostPort } from './parse-host.js';

const NO_PARAMS: readonly SipParam[] = Object.freeze([]);
const SIP = codesOf('sip');

/**
 * Where the parts of the URI just scanned lie in the scanned string. `scanUri` fills the one
 * instance below, so validating a URI allocates nothing; `ParsedUri` copies what it keeps.
 */
class UriParts {
  scheme = '';
  /** -1 when there is no user part (a tel URI's number counts as its user). */
  userStart = -1;
  userEnd = -1;
  /** -1 when there is no password (an empty one has passwordStart === passwordEnd). */
  passwordStart = -1;
  passwordEnd = -1;
  /** hostStart === hostEnd: no host (tel and other schemes). */
  hostStart = 0;
  hostEnd = 0;
  port = -1;
  /** uri-parameters, each starting with ';' (paramsStart === paramsEnd: none). */
  paramsStart = 0;
  paramsEnd = 0;
  /** After the '?'; -1 when there are no headers. */
  headersStart = -1;
}

const parts = new UriParts();

/**
 * A URI that `scanUri` accepted. The fields every request reads (scheme, user, host, port) are
 * sliced at once; the rest (password, params, headers, raw) only when first read, from the
 * validated text: on the hot path nobody reads them, and building them was ~10 objects per INVITE.
 */
export class ParsedUri implements SipUri {
  readonly scheme: string;
  readonly user: string | undefined;
  readonly host: string;
  readonly port: number | undefined;
  readonly #s: string;
  readonly #from: number;
  readonly #to: number;
  readonly #passwordStart: number;
  readonly #passwordEnd: number;
  readonly #paramsStart: number;
  readonly #paramsEnd: number;
  readonly #headersStart: number;
  #params: readonly SipParam[] | undefined;
  #raw: string | undefined;

  constructor(s: string, from: number, to: number, p: UriParts) {
    this.scheme = p.scheme;
    this.user = p.userStart === -1 ? undefined : s.slice(p.userStart, p.userEnd);
    this.host = p.hostStart === p.hostEnd ? '' : s.slice(p.hostStart, p.hostEnd);
    this.port = p.port === -1 ? undefined : p.port;
    this.#s = s;
    this.#from = from;
    this.#to = to;
    this.#passwordStart = p.passwordStart;
    this.#passwordEnd = p.passwordEnd;
    this.#paramsStart = p.paramsStart;
    this.#paramsEnd = p.paramsEnd;
    this.#headersStart = p.headersStart;
    this.#params = this.#paramsStart === this.#paramsEnd ? NO_PARAMS : undefined;
    this.#raw = undefined;
  }

  get password(): string | undefined {
    return this.#passwordStart === -1 ? undefined : this.#s.slice(this.#passwordStart, this.#passwordEnd);
  }

  get params(): readonly SipParam[] {
    if (this.#params === undefined) {
      // Off the hot path: read from a copy, as the message's Buffer may have been reused since.
      const out: SipParam[] = [];
      const s = this.#s.slice(this.#paramsStart, this.#paramsEnd);
      scanUriParams(s, latin1Bytes(s), 0, s.length, out);
      this.#params = out;
    }
    return this.#params;
  }

  get headers(): string | undefined {
    return this.#headersStart === -1 ? undefined : this.#s.slice(this.#headersStart, this.#to);
  }

  get raw(): string {
    return (this.#raw ??= this.#s.slice(this.#from, this.#to));
  }
}

/** Parse a URI; undefined when it does not follow its scheme's grammar. */
export function parseUri(raw: string): SipUri | undefined {
  return parseUriIn(raw, latin1Bytes(raw), 0, raw.length);
}

/** Parse the URI s[from, to), whose bytes are b; undefined when it does not follow its scheme's grammar. */
export function parseUriIn(s: string, b: Uint8Array, from: number, to: number): ParsedUri | undefined {
  return scanUri(s, b, from, to) ? new ParsedUri(s, from, to, parts) : undefined;
}

/** Whether s[from, to) is a URI of its scheme's grammar (as `parseUriIn`, building nothing). */
export function isUriIn(s: string, b: Uint8Array, from: number, to: number): boolean {
  return scanUri(s, b, from, to);
}

/** Validate s[from, to) as a URI and record where its parts lie in `parts`. */
function scanUri(s: string, b: Uint8Array, from: number, to: number): boolean {
  const colon = s.indexOf(':', from);
  if (colon <= from || colon >= to || !isScheme(b, from, colon)) return false;
  const scheme = colon - from === 3 && spellsAt(b, from, SIP) ? 'sip' : lowerSlice(s, from, colon);
  const p = parts;
  p.scheme = scheme;
  p.userStart = -1;
  p.passwordStart = -1;
  p.hostStart = p.hostEnd = 0;
  p.port = -1;
  p.paramsStart = p.paramsEnd = 0;
  p.headersStart = -1;
  if (scheme === 'sip' || scheme === 'sips') return scanSipUri(s, b, to, colon + 1, p);
  if (scheme === 'tel') return scanTelUri(s, b, to, colon + 1, p);
  // absoluteURI = scheme ":" ( hier-part / opaque-part ): one or more uric characters.
  return allIn(b, colon + 1, to, URIC) || allIn(b, colon + 1, to, URIC_SLASH);
}

const URIC_SLASH = (() => {
  const t = new Uint8Array(URIC);
  t[0x2f] = 1;
  t[0x23] = 0;
  return t;
})();

/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), exactly s[from, end) */
function isScheme(b: Uint8Array, from: number, end: number): boolean {
  if (!isAlpha(b[from] as number)) return false;
  for (let i = from + 1; i < end; i++) {
    const c = b[i] as number;
    if (!(isAlpha(c) || isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e)) return false;
  }
  return true;
}

/**
 * End of the run of `t` characters and %XX escapes at `i` (before `to`). A '%' not followed by two
 * hex digits ends the run, so the caller's check of what follows refuses it.
 */
function runEnd(b: Uint8Array, i: number, to: number, t: Uint8Array): number {
  while (i < to) {
    const c = b[i] as number;
    if (t[c] === 1) i++;
    else if (c === 0x25 && i + 2 < to && isHex(b[i + 1] as number) && isHex(b[i + 2] as number)) i += 3;
    else break;
  }
  return i;
}

/** b[from, to) is non-empty and all `t` characters and %XX escapes. */
function allIn(b: Uint8Array, from: number, to: number, t: Uint8Array): boolean {
  return to > from && runEnd(b, from, to, t) === to;
}

/**
 * SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ] (SIPS-URI likewise), with
 * s[start] just after the scheme's ':'.
 */
function scanSipUri(s: string, b: Uint8Array, to: number, start: number, p: UriParts): boolean {
  // '@' can appear only as the userinfo terminator: user, password, params and headers exclude it.
  const at = s.indexOf('@', start);
  let hostStart = start;
  if (at !== -1 && at < to) {
    const pw = s.indexOf(':', start);
    const userEnd = pw !== -1 && pw < at ? pw : at;
    if (!allIn(b, start, userEnd, USER)) return false;
    p.userStart = start;
    p.userEnd = userEnd;
    if (userEnd !== at) {
      if (at > userEnd + 1 && !allIn(b, userEnd + 1, at, PASSWORD)) return false;
      p.passwordStart = userEnd + 1;
      p.passwordEnd = at;
    }
    hostStart = at + 1;
  }
  const hostEnd = scanHost(s, b, hostStart, to);
  if (hostEnd === -1) return false;
  p.hostStart = hostStart;
  p.hostEnd = hostEnd;
  let i = hostEnd;
  if (i < to && b[i] === 0x3a) {
    const portEnd = digitsEnd(b, i + 1, to);
    const port = portAt(b, i + 1, portEnd);
    if (port === -1) return false;
    p.port = port;
    i = portEnd;
  }
  // uri-parameters = *( ";" uri-parameter ); uri-parameter = pname [ "=" pvalue ]
  p.paramsStart = i;
  if (i < to && b[i] === 0x3b) {
    i = scanUriParams(s, b, i, to, undefined);
    if (i === -1) return false;
  }
  p.paramsEnd = i;
  if (i < to) {
    if (b[i] !== 0x3f || !validUriHeaders(b, i + 1, to)) return false;
    p.headersStart = i + 1;
  }
  return true;
}

/**
 * uri-parameters from the ';' at `i`: each appended to `out` when given; the index where they end
 * (`to` or a '?'), or -1 when malformed. pname = 1*paramchar; pvalue = 1*paramchar (paramchar
 * excludes ';' '?' and '=').
 */
function scanUriParams(s: string, b: Uint8Array, i: number, to: number, out: SipParam[] | undefined): number {
  while (i < to && b[i] === 0x3b) {
    const nameStart = i + 1;
    const nameEnd = runEnd(b, nameStart, to, PARAMCHAR);
    if (nameEnd === nameStart) return -1;
    i = nameEnd;
    if (i < to && b[i] === 0x3d) {
      const valueEnd = runEnd(b, i + 1, to, PARAMCHAR);
      if (valueEnd === i + 1) return -1;
      out?.push({ name: lowerSlice(s, nameStart, nameEnd), value: s.slice(i + 1, valueEnd) });
      i = valueEnd;
    } else {
      out?.push({ name: lowerSlice(s, nameStart, nameEnd), value: undefined });
    }
  }
  return i === to || b[i] === 0x3f ? i : -1;
}

/** headers = header *( "&" header ); header = hname "=" hvalue; hvalue may be empty. */
function validUriHeaders(b: Uint8Array, i: number, to: number): boolean {
  for (;;) {
    const nameEnd = runEnd(b, i, to, HNVCHAR);
    if (nameEnd === i || nameEnd >= to || b[nameEnd] !== 0x3d) return false;
    i = runEnd(b, nameEnd + 1, to, HNVCHAR);
    if (i === to) return true;
    if (b[i] !== 0x26) return false;
    i++;
  }
}

/** telephone-subscriber (RFC 3966 §3): checked by character set, not digit-by-digit semantics. */
function scanTelUri(s: string, b: Uint8Array, to: number, start: number, p: UriParts): boolean {
  if (!allIn(b, start, to, TELCHAR)) return false;
  let semi = s.indexOf(';', start);
  if (semi === -1 || semi > to) semi = to;
  if (semi === start) return false;
  p.userStart = start;
  p.userEnd = semi;
  p.paramsStart = semi;
  p.paramsEnd = to;
  return semi === to || scanUriParams(s, b, semi, to, undefined) === to;
}
