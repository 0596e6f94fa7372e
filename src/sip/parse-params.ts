/**
 * Header-level scanning shared by the Via and name-addr parsers: generic parameters
 * (`*( SEMI generic-param )`, §25.1), quoted strings, and comma lists that respect quotes and <>.
 * Every function is a single forward scan over s[from, to) — usually the whole message head, so the
 * scan never re-reads a sliced copy of a header value — reading the chars from b, the same text as
 * bytes (the message's Buffer: b[i] is s.charCodeAt(i)), where a read costs a third of a charCodeAt.
 */
import type { SipParam } from './message.js';
import { TOKEN, codesOf, isWsp, latin1Bytes, spellsAt } from './charset.js';
import { isIPv6Address } from './ipv6.js';

/** Characters of a parameter value: token / host (with IPv6 brackets and colons). */
const GEN_VALUE = (() => {
  const t = new Uint8Array(TOKEN);
  t[0x3a] = 1; // ':'
  t[0x5b] = 1; // '['
  t[0x5d] = 1; // ']'
  return t;
})();

export const NO_PARAMS: readonly SipParam[] = Object.freeze([]);

export function skipWs(s: string, i: number): number {
  while (i < s.length && isWsp(s.charCodeAt(i))) i++;
  return i;
}

/** skipWs that stops at `to`, on bytes. */
export function skipWsTo(b: Uint8Array, i: number, to: number): number {
  while (i < to && isWsp(b[i] as number)) i++;
  return i;
}

/**
 * quoted-string = SWS DQUOTE *(qdtext / quoted-pair ) DQUOTE, starting at the DQUOTE at `i`.
 * Returns the index after the closing quote, or -1 when it never closes before `to` (RFC 4475
 * §3.1.2.6).
 */
export function skipQuoted(b: Uint8Array, i: number, to: number): number {
  for (let j = i + 1; j < to; j++) {
    const c = b[j];
    if (c === 0x5c) {
      // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
      const n = b[j + 1] as number;
      if (j + 1 >= to || n === 0x0a || n === 0x0d || n > 0x7f) return -1;
      j++;
    } else if (c === 0x22) {
      return j + 1;
    } else if (c === 0x0d || c === 0x0a) {
      return -1;
    }
  }
  return -1;
}

/**
 * What `scanParam` found: the lower-cased name and where the value lies in the scanned string.
 * Callers keep one cursor and read it after each call, so scanning a parameter allocates nothing
 * but its name (and not even that for the common names).
 */
export class ParamCursor {
  name = '';
  /** -1 for a parameter without "=" (a flag such as `;lr` or `;rport`). */
  valueStart = -1;
  valueEnd = -1;
  /** The value is a token: not a quoted-string and without the ':' '[' ']' of a host. */
  tokenValue = false;

  value(s: string): string | undefined {
    return this.valueStart === -1 ? undefined : s.slice(this.valueStart, this.valueEnd);
  }
}

/**
 * generic-param = token [ EQUAL gen-value ], gen-value = token / host / quoted-string, at `i`
 * (just after SEMI and its whitespace). Fills `cur`; returns the index after the parameter, or -1
 * when it deviates from the grammar. Names are lower-cased; values are kept as written (quoted
 * strings keep their quotes).
 */
export function scanParam(s: string, b: Uint8Array, i: number, to: number, cur: ParamCursor): number {
  const nameStart = i;
  let upper = false;
  for (; i < to; i++) {
    const c = b[i] as number;
    if (TOKEN[c] !== 1) break;
    if (c <= 0x5a && c >= 0x41) upper = true;
  }
  if (i === nameStart) return -1;
  cur.name = upper ? s.slice(nameStart, i).toLowerCase() : paramName(s, b, nameStart, i);
  i = skipWsTo(b, i, to);
  if (i >= to || b[i] !== 0x3d) {
    cur.valueStart = -1;
    cur.valueEnd = -1;
    cur.tokenValue = false;
    return i;
  }
  i = skipWsTo(b, i + 1, to);
  const valueStart = i;
  if (i < to && b[i] === 0x22) {
    i = skipQuoted(b, i, to);
    if (i === -1) return -1;
    cur.tokenValue = false;
  } else {
    let hostish = false;
    for (; i < to; i++) {
      const v = b[i] as number;
      if (GEN_VALUE[v] !== 1) break;
      if (v === 0x3a || v === 0x5b || v === 0x5d) hostish = true;
    }
    if (i === valueStart) return -1;
    if (hostish && !isIPv6Value(s, valueStart, i, cur.name)) return -1;
    cur.tokenValue = !hostish;
  }
  cur.valueStart = valueStart;
  cur.valueEnd = i;
  return i;
}

const P_LR = codesOf('lr');
const P_TAG = codesOf('tag');
const P_TTL = codesOf('ttl');
const P_RPORT = codesOf('rport');
const P_MADDR = codesOf('maddr');
const P_BRANCH = codesOf('branch');
const P_EXPIRES = codesOf('expires');
const P_RECEIVED = codesOf('received');
const P_TRANSPORT = codesOf('transport');

/**
 * The lower-case name s[from, to) (already known to hold no upper-case letter): the names found on
 * nearly every request are returned as constants, so they cost no string and compare by identity.
 */
function paramName(s: string, b: Uint8Array, from: number, to: number): string {
  switch (to - from) {
    case 2:
      if (spellsAt(b, from, P_LR)) return 'lr';
      break;
    case 3:
      if (spellsAt(b, from, P_TAG)) return 'tag';
      if (spellsAt(b, from, P_TTL)) return 'ttl';
      break;
    case 5:
      if (spellsAt(b, from, P_RPORT)) return 'rport';
      if (spellsAt(b, from, P_MADDR)) return 'maddr';
      break;
    case 6:
      if (spellsAt(b, from, P_BRANCH)) return 'branch';
      break;
    case 7:
      if (spellsAt(b, from, P_EXPIRES)) return 'expires';
      break;
    case 8:
      if (spellsAt(b, from, P_RECEIVED)) return 'received';
      break;
    case 9:
      if (spellsAt(b, from, P_TRANSPORT)) return 'transport';
      break;
  }
  return s.slice(from, to);
}

export interface ParsedParams {
  readonly params: readonly SipParam[];
  /** Index after the last parameter (the end of the value, or a ',' when `stopAtComma`). */
  readonly end: number;
}

const cursor = new ParamCursor();

/**
 * *( SEMI generic-param ) from `i` to the end of `s`; see `scanParam`. Returns undefined on any
 * deviation from the grammar.
 */
export function parseParams(s: string, i: number, stopAtComma: boolean): ParsedParams | undefined {
  const out: SipParam[] = [];
  const end = scanParams(s, latin1Bytes(s), i, s.length, stopAtComma, out);
  return end === -1 ? undefined : { params: out.length === 0 ? NO_PARAMS : out, end };
}

/**
 * *( SEMI generic-param ) in s[i, to), each appended to `out`; the index where they end (`to`, or a
 * ',' when `stopAtComma`), or -1 when malformed.
 */
export function scanParams(s: string, b: Uint8Array, i: number, to: number, stopAtComma: boolean, out: SipParam[]): number {
  const cur = cursor;
  for (;;) {
    i = skipWsTo(b, i, to);
    if (i >= to) return i;
    const c = b[i];
    if (c === 0x2c && stopAtComma) return i;
    if (c !== 0x3b) return -1;
    i = scanParam(s, b, skipWsTo(b, i + 1, to), to, cur);
    if (i === -1) return -1;
    out.push({ name: cur.name, value: cur.value(s) });
  }
}

/**
 * gen-value = token / host / quoted-string: a value with ':' '[' or ']' can only be an
 * IPv6reference, or — for via-received alone (§25.1) — a bare IPv6address. The oracle tests found
 * `;x=:aa` slipping through as "token or host".
 */
function isIPv6Value(s: string, from: number, to: number, name: string): boolean {
  if (s.charCodeAt(from) === 0x5b) {
    return s.charCodeAt(to - 1) === 0x5d && isIPv6Address(s, from + 1, to - 1);
  }
  return name === 'received' && isIPv6Address(s, from, to);
}

/**
 * Split a header value into its comma-separated elements (§7.3.1), ignoring commas inside quoted
 * strings and <...>. Returns undefined for an unterminated quote or bracket.
 */
export function splitList(s: string): string[] | undefined {
  const b = latin1Bytes(s);
  const out: string[] = [];
  let start = 0;
  let angle = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      const after = skipQuoted(b, i, s.length);
      if (after === -1) return undefined;
      i = after - 1;
    } else if (c === 0x3c) {
      angle = true;
    } else if (c === 0x3e) {
      angle = false;
    } else if (c === 0x2c && !angle) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (angle) return undefined;
  out.push(s.slice(start).trim());
  return out;
}

export function findParam(params: readonly SipParam[], name: string): SipParam | undefined {
  for (const p of params) if (p.name === name) return p;
  return undefined;
}
