/**
 * IPv6address (RFC 4291 §2.2, in the RFC 3986 §3.2.2 ABNF that RFC 5954 puts into SIP):
 *   eight h16 pieces separated by ':', or fewer around a single "::" that stands for at least one;
 *   the last two pieces may be written as an IPv4address (ls32); h16 = 1*4HEXDIG.
 *
 * A hand-written linear scan: node:net `isIPv6` is a large regular expression (backtracking, on
 * untrusted input, on the hot path) and also accepts a zone index ("%eth0"), which SIP's
 * IPv6reference does not.
 */
import { isHex } from './charset.js';

/** s[from, to) is exactly an IPv6address (no brackets, no zone index). */
export function isIPv6Address(s: string, from: number, to: number): boolean {
  let i = from;
  let pieces = 0; // h16 pieces written; an IPv4 tail counts two
  let elided = false; // a "::" was seen
  if (i < to && s.charCodeAt(i) === 0x3a) {
    // Only "::" may start the address.
    if (i + 1 >= to || s.charCodeAt(i + 1) !== 0x3a) return false;
    elided = true;
    i += 2;
    if (i === to) return true;
  }
  for (;;) {
    const pieceStart = i;
    while (i < to && i - pieceStart <= 4 && isHex(s.charCodeAt(i))) i++;
    if (i < to && s.charCodeAt(i) === 0x2e) {
      // ls32 as an IPv4address: the rest of the string, and worth two pieces.
      if (!isDecIPv4(s, pieceStart, to)) return false;
      pieces += 2;
      break;
    }
    const digits = i - pieceStart;
    if (digits === 0 || digits > 4) return false;
    if (++pieces > 8) return false;
    if (i === to) break;
    if (s.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i === to) return false; // a single trailing ':'
    if (s.charCodeAt(i) === 0x3a) {
      if (elided) return false; // a second "::"
      elided = true;
      i++;
      if (i === to) break;
    }
  }
  return elided ? pieces <= 7 : pieces === 8;
}

/**
 * RFC 3986 IPv4address inside an IPv6address: dec-octet has no leading zeros ("01" is refused),
 * unlike RFC 3261's own IPv4address (1*3DIGIT), which `isIPv4` in parse-uri.ts implements.
 */
function isDecIPv4(s: string, from: number, to: number): boolean {
  let octets = 0;
  let i = from;
  for (;;) {
    const start = i;
    let v = 0;
    while (i < to && i - start < 3) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      v = v * 10 + (c - 0x30);
      i++;
    }
    const digits = i - start;
    if (digits === 0 || v > 255 || (digits > 1 && s.charCodeAt(start) === 0x30)) return false;
    if (++octets === 4) return i === to;
    if (i >= to || s.charCodeAt(i) !== 0x2e) return false;
    i++;
  }
}
