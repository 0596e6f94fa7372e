/**
 * host = hostname / IPv4address / IPv6reference, and port (RFC 3261 §25.1, RFC 5954 for IPv6).
 *
 * `scanHost` finds where a host ends and validates it in the same pass: it runs on five hosts of
 * every INVITE (Request-URI, Via, From, To, Contact), and finding the end first, then checking for
 * IPv4, then for a hostname read each host up to three times.
 */
import { isIPv6Address } from './ipv6.js';
import { latin1Bytes } from './charset.js';

/** Host character classes: letter, digit, hyphen, dot; 0 = not allowed in a hostname. */
const H_ALPHA = 1;
const H_DIGIT = 2;
const H_HYPHEN = 3;
const H_DOT = 4;
const HOST_CLASS = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x41; c <= 0x5a; c++) t[c] = H_ALPHA;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = H_ALPHA;
  for (let c = 0x30; c <= 0x39; c++) t[c] = H_DIGIT;
  t[0x2d] = H_HYPHEN;
  t[0x2e] = H_DOT;
  return t;
})();

/**
 * The host starting at `i` in s, read from its bytes b (b[i] is s.charCodeAt(i)), which ends at
 * the first character no host can contain (or after the ']' of an IPv6reference), before `to`: the
 * index where it ends, or -1 when there is no valid host there. The caller checks that what follows
 * may follow a host.
 *
 * hostname = *( domainlabel "." ) toplabel [ "." ]
 * domainlabel = alphanum / alphanum *( alphanum / "-" ) alphanum
 * toplabel = ALPHA / ALPHA *( alphanum / "-" ) alphanum
 * IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT (each 0–255)
 * A run of digits and dots can only be an IPv4address: its top label would start with a digit.
 */
export function scanHost(s: string, b: Uint8Array, i: number, to: number): number {
  if (i >= to) return -1;
  if (b[i] === 0x5b) {
    const close = s.indexOf(']', i + 1);
    if (close === -1 || close >= to) return -1;
    return isIPv6Address(s, i + 1, close) ? close + 1 : -1;
  }
  const from = i;
  let prev = H_DOT; // class of the previous char; a label starts after a dot
  let labelFirst = 0; // class of the current label's first char
  let numeric = true; // digits and dots only so far: an IPv4address candidate
  let v4 = true; // and every octet so far has 1–3 digits and is at most 255
  let octets = 0;
  let octet = 0;
  let digits = 0;
  for (; i < to; i++) {
    const c = b[i] as number;
    const k = HOST_CLASS[c];
    if (k === undefined || k === 0) break;
    if (k === H_DOT) {
      if (prev === H_DOT || prev === H_HYPHEN) return -1; // empty label, or one ending in "-"
      octets++;
      octet = 0;
      digits = 0;
    } else {
      if (prev === H_DOT) {
        if (k === H_HYPHEN) return -1; // a label starting with "-"
        labelFirst = k;
      }
      if (k === H_DIGIT) {
        octet = octet * 10 + (c - 0x30);
        if (++digits > 3 || octet > 255) v4 = false;
      } else {
        numeric = false;
      }
    }
    prev = k;
  }
  if (i === from) return -1;
  if (numeric) return v4 && octets === 3 && digits > 0 ? i : -1;
  // The last label ends alphanumeric and, as the top label, starts with a letter ([ "." ] allowed).
  return prev !== H_HYPHEN && labelFirst === H_ALPHA ? i : -1;
}

/** host = hostname / IPv4address / IPv6reference, exactly s[from, to). */
export function isHost(s: string, from: number, to: number): boolean {
  return scanHost(s, latin1Bytes(s), from, to) === to;
}

/** IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet (0–255 each). */
export function isIPv4(s: string, from: number, to: number): boolean {
  let octets = 0;
  let v = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      v = v * 10 + (c - 0x30);
      if (++digits > 3 || v > 255) return false;
    } else if (c === 0x2e && digits > 0 && octets < 3) {
      octets++;
      v = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  return octets === 3 && digits > 0;
}

/** hostname (see `scanHost`), exactly s[from, to). */
export function isHostname(s: string, from: number, to: number): boolean {
  if (from >= to || s.charCodeAt(from) === 0x5b) return false;
  return scanHost(s, latin1Bytes(s), from, to) === to && !isIPv4(s, from, to);
}

/** End of the run of digits at `i` (before `to`). */
export function digitsEnd(b: Uint8Array, i: number, to: number): number {
  while (i < to) {
    const c = b[i] as number;
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  return i;
}

/**
 * port = 1*DIGIT, exactly s[from, to), at most 65535 (leading zeros allowed, as `parseDigits`
 * allows them); -1 otherwise.
 */
export function portAt(b: Uint8Array, from: number, to: number): number {
  if (from >= to) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = b[i] as number;
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
    if (v > 65535) return -1;
  }
  return v;
}

export interface HostPort {
  readonly host: string;
  readonly port: number | undefined;
}

/** hostport = host [ ":" port ], exactly s[from, to). */
export function parseHostPort(s: string, from: number, to: number): HostPort | undefined {
  const b = latin1Bytes(s);
  const hostEnd = scanHost(s, b, from, to);
  if (hostEnd === -1) return undefined;
  let port: number | undefined;
  if (hostEnd !== to) {
    if (b[hostEnd] !== 0x3a) return undefined;
    const p = portAt(b, hostEnd + 1, to);
    if (p === -1) return undefined;
    port = p;
  }
  return { host: s.slice(from, hostEnd), port };
}
