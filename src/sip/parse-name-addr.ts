/**
 * From, To, Contact, Route… values (§20.10, §20.20, §20.39, §25.1):
 *   ( name-addr / addr-spec ) *( SEMI generic-param )
 *   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 *   display-name = *(token LWS) / quoted-string
 * An addr-spec without <> cannot contain ',', '?' or ';' — everything after the first ';' is a
 * header parameter (§20.10), so `sip:a@b;tag=1` is a URI plus a tag.
 */
import type { NameAddr, SipParam, SipUri } from './message.js';
import { TOKEN, isWsp, latin1Bytes } from './charset.js';
import { NO_PARAMS, ParamCursor, scanParam, scanParams, skipQuoted, skipWsTo, splitList } from './parse-params.js';
import { isUriIn, parseUriIn } from './parse-uri.js';

export function parseNameAddr(value: string): NameAddr | undefined {
  return parseNameAddrIn(value, latin1Bytes(value), 0, value.length, value);
}

const cursor = new ParamCursor();

/**
 * A name-addr / addr-spec that `parseNameAddrIn` validated whole. Only the tag is read on every
 * request (From and To); the display name, the URI and the parameters are built from the validated
 * text when first read (REGISTER, auth), which saves ~10 objects on an INVITE.
 */
export class ParsedNameAddr implements NameAddr {
  readonly tag: string | undefined;
  readonly raw: string;
  readonly #s: string;
  readonly #displayStart: number;
  readonly #displayEnd: number;
  readonly #uriStart: number;
  readonly #uriEnd: number;
  readonly #paramsStart: number;
  readonly #to: number;
  #uri: SipUri | undefined;
  #params: readonly SipParam[] | undefined;

  constructor(s: string, displayStart: number, displayEnd: number, uriStart: number, uriEnd: number, paramsStart: number, to: number, tag: string | undefined, raw: string) {
    this.tag = tag;
    this.raw = raw;
    this.#s = s;
    this.#displayStart = displayStart;
    this.#displayEnd = displayEnd;
    this.#uriStart = uriStart;
    this.#uriEnd = uriEnd;
    this.#paramsStart = paramsStart;
    this.#to = to;
    this.#uri = undefined;
    this.#params = paramsStart < to ? undefined : NO_PARAMS;
  }

  get displayName(): string | undefined {
    return this.#displayStart === -1 ? undefined : this.#s.slice(this.#displayStart, this.#displayEnd);
  }

  get uri(): SipUri {
    // Validated by the constructor's caller, so the parse cannot fail. Off the hot path: read from
    // a copy, as the message's Buffer may have been reused since.
    if (this.#uri === undefined) {
      const s = this.#s.slice(this.#uriStart, this.#uriEnd);
      this.#uri = parseUriIn(s, latin1Bytes(s), 0, s.length) as SipUri;
    }
    return this.#uri;
  }

  get params(): readonly SipParam[] {
    if (this.#params === undefined) {
      const out: SipParam[] = [];
      const s = this.#s.slice(this.#paramsStart, this.#to);
      scanParams(s, latin1Bytes(s), 0, s.length, false, out);
      this.#params = out;
    }
    return this.#params;
  }
}

/**
 * The name-addr / addr-spec with its parameters in s[from, to), read from its bytes b (b[i] is
 * s.charCodeAt(i)); `raw` is that text (the caller usually holds it already as the header value).
 */
export function parseNameAddrIn(s: string, b: Uint8Array, from: number, to: number, raw: string): NameAddr | undefined {
  const i = skipWsTo(b, from, to);
  let displayStart = -1;
  let displayEnd = -1;
  let uriStart: number;
  let uriEnd: number;
  let after: number;
  const lt = b[i] === 0x3c ? i : findUnquoted(b, i, to, 0x3c);
  if (lt !== -1) {
    // name-addr: the display name is a quoted string or tokens separated by whitespace.
    if (b[i] === 0x22) {
      const q = skipQuoted(b, i, to);
      if (q === -1) return undefined;
      displayStart = i;
      displayEnd = q;
      if (skipWsTo(b, q, to) !== lt) return undefined;
    } else if (lt > i) {
      let end = i;
      for (let j = i; j < lt; j++) {
        const c = b[j] as number;
        if (TOKEN[c] === 1) end = j + 1;
        else if (!isWsp(c)) return undefined;
      }
      displayStart = i;
      displayEnd = end;
    }
    uriStart = lt + 1;
    uriEnd = s.indexOf('>', uriStart);
    if (uriEnd === -1 || uriEnd >= to) return undefined;
    after = uriEnd + 1;
  } else {
    uriStart = i;
    uriEnd = uriStart;
    while (uriEnd < to) {
      const c = b[uriEnd];
      if (c === 0x3b || c === 0x20 || c === 0x09) break;
      if (c === 0x2c || c === 0x3f || c === 0x22) return undefined; // RFC 4475 §3.1.2.11 badaspec
      uriEnd++;
    }
    after = uriEnd;
  }
  if (!isUriIn(s, b, uriStart, uriEnd)) return undefined;
  // *( SEMI generic-param ), validated in one pass that picks out the first tag.
  after = skipWsTo(b, after, to);
  let tag: string | undefined;
  let hasTag = false;
  const cur = cursor;
  for (let j = after; ; ) {
    j = skipWsTo(b, j, to);
    if (j >= to) break;
    if (b[j] !== 0x3b) return undefined;
    j = scanParam(s, b, skipWsTo(b, j + 1, to), to, cur);
    if (j === -1) return undefined;
    if (hasTag || cur.name !== 'tag') continue;
    hasTag = true;
    // tag-param = "tag" EQUAL token
    if (cur.valueStart === -1 || b[cur.valueStart] === 0x22) return undefined;
    tag = s.slice(cur.valueStart, cur.valueEnd);
  }
  return new ParsedNameAddr(s, displayStart, displayEnd, uriStart, uriEnd, after, to, tag, raw);
}

/** Contact: "*" or a comma list of name-addr / addr-spec (§20.10). */
export function parseContactList(value: string): NameAddr[] | '*' | undefined {
  return parseContactListIn(value, latin1Bytes(value), 0, value.length, value);
}

/** parseContactList on s[from, to), whose text is `value` and whose bytes are b. */
export function parseContactListIn(s: string, b: Uint8Array, from: number, to: number, value: string): NameAddr[] | '*' | undefined {
  const first = skipWsTo(b, from, to);
  if (b[first] === 0x2a && skipWsTo(b, first + 1, to) === to) return '*';
  const comma = s.indexOf(',', from);
  if (comma === -1 || comma >= to) {
    // One contact, the usual case: no list to split. A '*' here would be a malformed addr-spec.
    const na = parseNameAddrIn(s, b, from, to, value);
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
function findUnquoted(b: Uint8Array, i: number, to: number, ch: number): number {
  for (; i < to; i++) {
    const c = b[i];
    if (c === ch) return i;
    if (c === 0x22) {
      const q = skipQuoted(b, i, to);
      if (q === -1) return -1;
      i = q - 1;
    }
  }
  return -1;
}
