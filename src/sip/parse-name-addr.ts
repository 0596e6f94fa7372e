/**
 * From, To, Contact, Route… values (§20.10, §20.20, §20.39, §25.1):
 *   ( name-addr / addr-spec ) *( SEMI generic-param )
 *   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 *   display-name = *(token LWS) / quoted-string
 * An addr-spec without <> cannot contain ',', '?' or ';' — everything after the first ';' is a
 * header parameter (§20.10), so `sip:a@b;tag=1` is a URI plus a tag.
 */
import type { NameAddr, SipParam } from './message.js';
import { TOKEN, isWsp } from './charset.js';
import { NO_PARAMS, scanParams, skipQuoted, skipWsTo, splitList } from './parse-params.js';
import { parseUriIn } from './parse-uri.js';

export function parseNameAddr(value: string): NameAddr | undefined {
  return parseNameAddrIn(value, 0, value.length, value);
}

/**
 * The name-addr / addr-spec with its parameters in s[from, to); `raw` is that text (the caller
 * usually holds it already as the header value).
 */
export function parseNameAddrIn(s: string, from: number, to: number, raw: string): NameAddr | undefined {
  const i = skipWsTo(s, from, to);
  let displayName: string | undefined;
  let uriStart: number;
  let uriEnd: number;
  let after: number;
  const lt = s.charCodeAt(i) === 0x3c ? i : findUnquoted(s, i, to, 0x3c);
  if (lt !== -1) {
    // name-addr: the display name is a quoted string or tokens separated by whitespace.
    if (s.charCodeAt(i) === 0x22) {
      const q = skipQuoted(s, i, to);
      if (q === -1) return undefined;
      displayName = s.slice(i, q);
      if (skipWsTo(s, q, to) !== lt) return undefined;
    } else if (lt > i) {
      let end = i;
      for (let j = i; j < lt; j++) {
        const c = s.charCodeAt(j);
        if (TOKEN[c] === 1) end = j + 1;
        else if (!isWsp(c)) return undefined;
      }
      displayName = s.slice(i, end);
    }
    uriStart = lt + 1;
    uriEnd = s.indexOf('>', uriStart);
    if (uriEnd === -1 || uriEnd >= to) return undefined;
    after = uriEnd + 1;
  } else {
    uriStart = i;
    uriEnd = uriStart;
    while (uriEnd < to) {
      const c = s.charCodeAt(uriEnd);
      if (c === 0x3b || c === 0x20 || c === 0x09) break;
      if (c === 0x2c || c === 0x3f || c === 0x22) return undefined; // RFC 4475 §3.1.2.11 badaspec
      uriEnd++;
    }
    after = uriEnd;
  }
  const uri = parseUriIn(s, uriStart, uriEnd);
  if (uri === undefined) return undefined;
  let params = NO_PARAMS;
  let tag: string | undefined;
  after = skipWsTo(s, after, to);
  if (after < to) {
    const out: SipParam[] = [];
    if (scanParams(s, after, to, false, out) !== to) return undefined;
    params = out;
    for (let k = 0; k < out.length; k++) {
      const p = out[k] as SipParam;
      if (p.name !== 'tag') continue;
      // tag-param = "tag" EQUAL token
      if (p.value === undefined || p.value.charCodeAt(0) === 0x22) return undefined;
      tag = p.value;
      break;
    }
  }
  return { displayName, uri, tag, params, raw };
}

/** Contact: "*" or a comma list of name-addr / addr-spec (§20.10). */
export function parseContactList(value: string): NameAddr[] | '*' | undefined {
  return parseContactListIn(value, 0, value.length, value);
}

/** parseContactList on s[from, to), whose text is `value`. */
export function parseContactListIn(s: string, from: number, to: number, value: string): NameAddr[] | '*' | undefined {
  const first = skipWsTo(s, from, to);
  if (s.charCodeAt(first) === 0x2a && skipWsTo(s, first + 1, to) === to) return '*';
  const comma = s.indexOf(',', from);
  if (comma === -1 || comma >= to) {
    // One contact, the usual case: no list to split. A '*' here would be a malformed addr-spec.
    const na = parseNameAddrIn(s, from, to, value);
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

/** Index of `ch` in s[i, to) outside quoted strings, or -1. */
function findUnquoted(s: string, i: number, to: number, ch: number): number {
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === ch) return i;
    if (c === 0x22) {
      const q = skipQuoted(s, i, to);
      if (q === -1) return -1;
      i = q - 1;
    }
  }
  return -1;
}
