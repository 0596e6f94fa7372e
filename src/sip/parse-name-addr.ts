/**
 * From, To, Contact, Route… values (§20.10, §20.20, §20.39, §25.1):
 *   ( name-addr / addr-spec ) *( SEMI generic-param )
 *   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 *   display-name = *(token LWS) / quoted-string
 * An addr-spec without <> cannot contain ',', '?' or ';' — everything after the first ';' is a
 * header parameter (§20.10), so `sip:a@b;tag=1` is a URI plus a tag.
 */
import type { NameAddr } from './message.js';
import { TOKEN } from './charset.js';
import { findParam, parseParams, skipQuoted, skipWs, splitList } from './parse-params.js';
import { parseUri } from './parse-uri.js';

export function parseNameAddr(value: string): NameAddr | undefined {
  const s = value;
  const i = skipWs(s, 0);
  let displayName: string | undefined;
  let uriStart: number;
  let uriEnd: number;
  let after: number;
  const lt = findUnquoted(s, i, 0x3c);
  if (lt !== -1) {
    // name-addr: the display name is a quoted string or tokens separated by whitespace.
    if (s.charCodeAt(i) === 0x22) {
      const q = skipQuoted(s, i);
      if (q === -1) return undefined;
      displayName = s.slice(i, q);
      if (skipWs(s, q) !== lt) return undefined;
    } else if (lt > i) {
      for (let j = i; j < lt; j++) {
        const c = s.charCodeAt(j);
        if (c !== 0x20 && c !== 0x09 && TOKEN[c] !== 1) return undefined;
      }
      displayName = s.slice(i, lt).trim();
    }
    uriStart = lt + 1;
    uriEnd = s.indexOf('>', uriStart);
    if (uriEnd === -1) return undefined;
    after = uriEnd + 1;
  } else {
    uriStart = i;
    uriEnd = uriStart;
    while (uriEnd < s.length) {
      const c = s.charCodeAt(uriEnd);
      if (c === 0x3b || c === 0x20 || c === 0x09) break;
      if (c === 0x2c || c === 0x3f || c === 0x22) return undefined; // RFC 4475 §3.1.2.11 badaspec
      uriEnd++;
    }
    after = uriEnd;
  }
  const uri = parseUri(s.slice(uriStart, uriEnd));
  if (uri === undefined) return undefined;
  const parsed = parseParams(s, after, false);
  if (parsed === undefined) return undefined;
  const tag = findParam(parsed.params, 'tag');
  if (tag !== undefined && (tag.value === undefined || tag.value.charCodeAt(0) === 0x22)) return undefined;
  return { displayName, uri, tag: tag?.value, params: parsed.params, raw: value };
}

/** Contact: "*" or a comma list of name-addr / addr-spec (§20.10). */
export function parseContactList(value: string): NameAddr[] | '*' | undefined {
  const first = skipWs(value, 0);
  if (value.charCodeAt(first) === 0x2a && skipWs(value, first + 1) === value.length) return '*';
  if (value.indexOf(',') === -1) {
    // One contact, the usual case: no list to split. A '*' here would be a malformed addr-spec.
    const na = parseNameAddr(value);
    return na === undefined ? undefined : [na];
  }
  const items = splitList(value);
  if (items === undefined) return undefined;
  const out: NameAddr[] = [];
  for (const item of items) {
    const na = parseNameAddr(item);
    if (na === undefined) return undefined;
    out.push(na);
  }
  return out;
}

/** Index of `ch` outside quoted strings, or -1. */
function findUnquoted(s: string, i: number, ch: number): number {
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === ch) return i;
    if (c === 0x22) {
      const q = skipQuoted(s, i);
      if (q === -1) return -1;
      i = q - 1;
    }
  }
  return -1;
}
