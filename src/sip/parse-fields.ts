/**
 * The grammar of single header fields the parser validates (§25.1): SIP-Version, Date, Call-ID,
 * CSeq, option-tag lists and media types. Each is a forward scan, no regular expressions.
 */
import type { CSeq } from './message.js';
import { TOKEN, WORD, codesOf, isToken, isWsp, parseDigits, spellsAt } from './charset.js';
import { parseParams, skipWs } from './parse-params.js';

export const NO_TAGS: readonly string[] = Object.freeze([]);

/** SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (case-insensitive literal). */
export function isSipVersion(v: string): boolean {
  if (v.length < 7 || v.slice(0, 4).toUpperCase() !== 'SIP/') return false;
  const dot = v.indexOf('.', 4);
  return dot > 4 && parseDigits(v.slice(4, dot), 9) !== undefined && parseDigits(v.slice(dot + 1), 9) !== undefined;
}

const WKDAY = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTH = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * SIP-date = rfc1123-date = wkday "," SP date1 SP time SP "GMT"; date1 = 2DIGIT SP month SP 4DIGIT;
 * time = 2DIGIT ":" 2DIGIT ":" 2DIGIT. The names are case-sensitive in RFC 2616 §3.3.1.
 */
export function isSipDate(v: string): boolean {
  // "Sat, 15 Oct 2005 04:44:56 GMT" is exactly 29 characters.
  if (v.length !== 29 || v.slice(25) !== ' GMT' || v.slice(3, 5) !== ', ') return false;
  if (!WKDAY.includes(v.slice(0, 3)) || !MONTH.includes(v.slice(8, 11))) return false;
  const pattern = 'DD MMM DDDD DD:DD:DD';
  for (let i = 0; i < pattern.length; i++) {
    const c = v.charCodeAt(5 + i);
    const p = pattern[i];
    if (p === 'D' ? c < 0x30 || c > 0x39 : p !== 'M' && c !== pattern.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * callid = word [ "@" word ] (§25.1), on the bytes b[from, to) of the message itself: a byte read
 * is cheaper than charCodeAt.
 */
export function isCallIdIn(b: Uint8Array, from: number, to: number): boolean {
  let i = from;
  while (i < to && WORD[b[i] as number] === 1) i++;
  if (i === from) return false;
  if (i === to) return true;
  if (b[i] !== 0x40) return false;
  const word = ++i;
  while (i < to && WORD[b[i] as number] === 1) i++;
  return i > word && i === to;
}

/**
 * CSeq = 1*DIGIT LWS Method; the number is below 2**31 (§8.1.1.5). Parsed from s[from, to), read
 * from its bytes b (b[i] is s.charCodeAt(i) there).
 */
export function parseCSeqIn(s: string, b: Uint8Array, from: number, to: number): CSeq | undefined {
  let i = from;
  let seq = 0;
  let significant = 0;
  for (; i < to; i++) {
    const c = b[i] as number;
    if (c < 0x30 || c > 0x39) break;
    if (seq !== 0 || c !== 0x30) significant++;
    seq = seq * 10 + (c - 0x30);
  }
  // As parseDigits(…, 10): leading zeros are allowed and do not count.
  if (i === from || significant > 10 || seq >= 2 ** 31) return undefined;
  let j = i;
  while (j < to && isWsp(b[j] as number)) j++;
  if (j === i || j === to) return undefined;
  for (let k = j; k < to; k++) if (TOKEN[b[k] as number] !== 1) return undefined;
  return { seq, method: commonMethod(s, b, j, to) ?? s.slice(j, to) };
}

const ACK = codesOf('ACK');
const BYE = codesOf('BYE');
const CANCEL = codesOf('CANCEL');
const INVITE = codesOf('INVITE');
const OPTIONS = codesOf('OPTIONS');
const REGISTER = codesOf('REGISTER');

/** The method s[from, to) as a constant when it is one of the usual ones (no string to build). */
export function commonMethod(s: string, b: Uint8Array, from: number, to: number): string | undefined {
  switch (to - from) {
    case 3:
      return spellsAt(b, from, BYE) ? 'BYE' : spellsAt(b, from, ACK) ? 'ACK' : undefined;
    case 6:
      return spellsAt(b, from, INVITE) ? 'INVITE' : spellsAt(b, from, CANCEL) ? 'CANCEL' : undefined;
    case 7:
      return spellsAt(b, from, OPTIONS) ? 'OPTIONS' : undefined;
    case 8:
      return spellsAt(b, from, REGISTER) ? 'REGISTER' : undefined;
    default:
      return undefined;
  }
}

/**
 * Option-tag lists (Require, Proxy-Require, Supported; §20.32, §20.29, §20.37):
 * option-tag *(COMMA option-tag), COMMA = SWS "," SWS, in the header value s[from, to), read from
 * its bytes b (b[i] is s.charCodeAt(i) there); each tag is appended to `out`. `atLeastOne`: the
 * grammar of Require and Proxy-Require needs a tag; Supported may be empty. Read in place as the
 * header line is read, not from a sliced value.
 */
export function tokenListIn(s: string, b: Uint8Array, from: number, to: number, atLeastOne: boolean, out: string[]): boolean {
  if (from === to) return !atLeastOne;
  let i = from;
  for (;;) {
    const tagStart = i;
    while (i < to && TOKEN[b[i] as number] === 1) i++;
    if (i === tagStart) return false;
    out.push(s.slice(tagStart, i));
    while (i < to && isWsp(b[i] as number)) i++;
    if (i === to) return true;
    if (b[i] !== 0x2c) return false;
    i++;
    while (i < to && isWsp(b[i] as number)) i++;
  }
}

/** media-type = m-type SLASH m-subtype *(SEMI m-parameter); returns "type/subtype" lower-cased. */
export function parseMediaType(v: string): string | undefined {
  if (v === 'application/sdp') return v; // nearly every body
  const slash = v.indexOf('/');
  if (slash <= 0) return undefined;
  const type = v.slice(0, slash).trim();
  let i = skipWs(v, slash + 1);
  const subStart = i;
  while (i < v.length && TOKEN[v.charCodeAt(i)] === 1) i++;
  if (i === subStart || !isToken(type)) return undefined;
  if (parseParams(v, i, false) === undefined) return undefined;
  return `${type}/${v.slice(subStart, i)}`.toLowerCase();
}

