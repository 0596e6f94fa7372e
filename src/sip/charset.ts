/**
 * Character classes of the RFC 3261 §25.1 grammar as lookup tables.
 *
 * The parser scans untrusted bytes with these tables and `charCodeAt` instead of regular
 * expressions: one pass, no backtracking, no allocation (see the note in parse-message.ts).
 */

function table(chars: string, alnum: boolean): Uint8Array {
  const t = new Uint8Array(256);
  if (alnum) {
    for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
    for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
    for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  }
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

const MARK = "-_.!~*'()";

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = table("-.!%*_+`'~", true);
/** word (Call-ID) = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}") */
export const WORD = table("-.!%*_+`'~()<>:\\\"/[]?{}", true);
/** user = 1*( unreserved / escaped / user-unreserved ); user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/" */
export const USER = table(MARK + '&=+$,;?/', true);
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
export const PASSWORD = table(MARK + '&=+$,', true);
/** paramchar = param-unreserved / unreserved / escaped; param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$" */
export const PARAMCHAR = table(MARK + '[]/:&+$', true);
/** hname / hvalue chars: hnv-unreserved / unreserved / escaped; hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$" */
export const HNVCHAR = table(MARK + '[]/?:+$', true);
/** Characters allowed in a tel URI (RFC 3966) number and its parameters, checked loosely. */
export const TELCHAR = table(MARK + '+#;=%[]/:&$,?*', true);
/** Every char of an absoluteURI (RFC 2396) after the scheme: uric plus "/" and "#" is not allowed. */
export const URIC = table(MARK + ';/?:@&=+$,[]%', true);

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

export function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** True when s[from, to) is non-empty and every char is in `t`, with %XX escapes where `escapes`. */
export function allIn(s: string, from: number, to: number, t: Uint8Array, escapes: boolean): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 256 && t[c] === 1) continue;
    if (escapes && c === 0x25 && i + 2 < to && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

/** A whole string of token chars (method names, option tags, param names). */
export function isToken(s: string): boolean {
  return allIn(s, 0, s.length, TOKEN, false);
}

/**
 * `1*DIGIT`, with at most `maxDigits` significant digits (so the number stays exact). Leading zeros
 * are digits like any other in the grammar and do not count: RFC 4475 §3.1.1.1 sends
 * `Max-Forwards: 0068`.
 */
export function parseDigits(s: string, maxDigits: number): number | undefined {
  return parseDigitsIn(latin1Bytes(s), 0, s.length, maxDigits);
}

/** `parseDigits` on the bytes b[from, to) (b[i] is the text's charCodeAt(i)): no string needed. */
export function parseDigitsIn(b: Uint8Array, from: number, to: number, maxDigits: number): number | undefined {
  if (to <= from) return undefined;
  let v = 0;
  let significant = 0;
  for (let i = from; i < to; i++) {
    const c = b[i] as number;
    if (c < 0x30 || c > 0x39) return undefined;
    if (v !== 0 || c !== 0x30) significant++;
    v = v * 10 + (c - 0x30);
  }
  return significant > maxDigits ? undefined : v;
}

/**
 * s[from, to) in lower case. Names on the wire are nearly always lower case already; scanning first
 * skips `toLowerCase` and its copy for them (measured: ~4% of a plain INVITE's parse time).
 */
export function lowerSlice(s: string, from: number, to: number): string {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return s.slice(from, to).toLowerCase();
  }
  return s.slice(from, to);
}

/** s[from, to) in upper case, the same way (Via transports are nearly always written upper case). */
export function upperSlice(s: string, from: number, to: number): string {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) return s.slice(from, to).toUpperCase();
  }
  return s.slice(from, to);
}

/** Linear whitespace (SP / HTAB); a read past the end of a Buffer (undefined) is none. */
export function isWsp(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09;
}

/** Undo %XX escapes (§19.1.4: URIs are compared after unescaping). Bytes map one to one (latin1). */
export function unescape(s: string): string {
  if (s.indexOf('%') === -1) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      out += String.fromCharCode(parseInt(s.substr(i + 1, 2), 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

/**
 * A string's chars as bytes, for the scanners that read the message's bytes. A char above 0xff
 * (never in a message, which is read as latin1) becomes 0xff, which no character class of the
 * grammar holds either, so the scanners refuse it as they refuse the char itself.
 */
export function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = Math.min(s.charCodeAt(i), 0xff);
  return b;
}

/** The char codes of a literal, for `spellsAt`. */
export function codesOf(literal: string): readonly number[] {
  return Array.from(literal, (ch) => ch.charCodeAt(0));
}

/**
 * The bytes b[i, i + codes.length) spell the literal whose `codes` these are (past the end, a read
 * is undefined and matches nothing). Measured ~30% cheaper than String#startsWith on the text,
 * which is not inlined and first has to rule out a RegExp argument; it ran ~12 times per INVITE.
 */
export function spellsAt(b: Uint8Array, i: number, codes: readonly number[]): boolean {
  for (let k = 0; k < codes.length; k++) if (b[i + k] !== codes[k]) return false;
  return true;
}
