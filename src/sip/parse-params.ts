/**
 * Header-level scanning shared by the Via and name-addr parsers: generic parameters
 * (`*( SEMI generic-param )`, §25.1), quoted strings, and comma lists that respect quotes and <>.
 * Every function is a single forward scan over the (already unfolded) header value.
 */
import type { SipParam } from './message.js';
import { TOKEN, isWsp, lowerSlice } from './charset.js';
import { isIPv6Address } from './ipv6.js';

/** Characters of a parameter value: token / host (with IPv6 brackets and colons). */
const GEN_VALUE = (() => {
  const t = new Uint8Array(TOKEN);
  t[0x3a] = 1; // ':'
  t[0x5b] = 1; // '['
  t[0x5d] = 1; // ']'
  return t;
})();

const NO_PARAMS: readonly SipParam[] = Object.freeze([]);

export function skipWs(s: string, i: number): number {
  while (i < s.length && isWsp(s.charCodeAt(i))) i++;
  return i;
}

/**
 * quoted-string = SWS DQUOTE *(qdtext / quoted-pair ) DQUOTE, starting at the DQUOTE at `i`.
 * Returns the index after the closing quote, or -1 when it never closes (RFC 4475 §3.1.2.6).
 */
export function skipQuoted(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) {
      // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
      const n = s.charCodeAt(j + 1);
      if (j + 1 >= s.length || n === 0x0a || n === 0x0d || n > 0x7f) return -1;
      j++;
    } else if (c === 0x22) {
      return j + 1;
    } else if (c === 0x0d || c === 0x0a) {
      return -1;
    }
  }
  return -1;
}

export interface ParsedParams {
  readonly params: readonly SipParam[];
  /** Index after the last parameter (the end of the value, or a ',' when `stopAtComma`). */
  readonly end: number;
}

/**
 * *( SEMI generic-param ) from `i`; generic-param = token [ EQUAL gen-value ],
 * gen-value = token / host / quoted-string. Names are lower-cased; values are kept as written
 * (quoted strings keep their quotes). Returns undefined on any deviation from the grammar.
 */
export function parseParams(s: string, i: number, stopAtComma: boolean): ParsedParams | undefined {
  const n = s.length;
  i = skipWs(s, i);
  // Most To values end here: no parameter array to allocate.
  if (i >= n) return { params: NO_PARAMS, end: i };
  const params: SipParam[] = [];
  for (;;) {
    i = skipWs(s, i);
    if (i >= n) return { params, end: i };
    const c = s.charCodeAt(i);
    if (c === 0x2c && stopAtComma) return { params, end: i };
    if (c !== 0x3b) return undefined;
    i = skipWs(s, i + 1);
    const nameStart = i;
    while (i < n && TOKEN[s.charCodeAt(i)] === 1) i++;
    if (i === nameStart) return undefined;
    const name = lowerSlice(s, nameStart, i);
    i = skipWs(s, i);
    if (i < n && s.charCodeAt(i) === 0x3d) {
      i = skipWs(s, i + 1);
      const valueStart = i;
      if (i < n && s.charCodeAt(i) === 0x22) {
        i = skipQuoted(s, i);
        if (i === -1) return undefined;
      } else {
        let hostish = false;
        for (; i < n; i++) {
          const v = s.charCodeAt(i);
          if (v >= 256 || GEN_VALUE[v] !== 1) break;
          if (v === 0x3a || v === 0x5b || v === 0x5d) hostish = true;
        }
        if (i === valueStart) return undefined;
        if (hostish && !isIPv6Value(s, valueStart, i, name)) return undefined;
      }
      params.push({ name, value: s.slice(valueStart, i) });
    } else {
      params.push({ name, value: undefined });
    }
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
  const out: string[] = [];
  let start = 0;
  let angle = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      const after = skipQuoted(s, i);
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
