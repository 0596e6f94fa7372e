/**
 * Authorization / Proxy-Authorization values (§20.7, §20.28, §25.1):
 *
 *   credentials  = ("Digest" LWS digest-response) / other-response
 *   dig-resp     = auth-param *(COMMA auth-param)     ; as a list of name = value
 *   auth-param   = token EQUAL ( token / quoted-string )
 *   quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE
 *
 * A single left-to-right scan with charCodeAt: every character is looked at once and nothing is
 * retried, so hostile input costs linear time (no regular expression over untrusted text). The
 * value is the unfolded header text (message.ts), so whitespace is SP or HTAB only.
 */
import { TOKEN } from '../sip/charset.js';

export type ParsedCredentials =
  /** Not Digest (e.g. Bearer): none of our business, and not parsed further. */
  | { readonly kind: 'other'; readonly scheme: string }
  | { readonly kind: 'digest'; readonly params: ReadonlyMap<string, string> }
  | { readonly kind: 'malformed'; readonly why: string };

const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWsp(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function isToken(c: number): boolean {
  return c < 256 && TOKEN[c] === 1;
}

export function parseCredentials(value: string): ParsedCredentials {
  const n = value.length;
  let i = 0;
  const skipWsp = () => {
    while (i < n && isWsp(value.charCodeAt(i))) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < n && isToken(value.charCodeAt(i))) i++;
    return value.slice(start, i);
  };

  skipWsp();
  const scheme = token();
  if (scheme === '') return { kind: 'malformed', why: 'no auth-scheme' };
  if (scheme.toLowerCase() !== 'digest') return { kind: 'other', scheme };
  // "Digest" LWS: at least one space before the first parameter.
  if (i >= n || !isWsp(value.charCodeAt(i))) return { kind: 'malformed', why: 'no parameters after Digest' };

  const params = new Map<string, string>();
  for (;;) {
    skipWsp();
    const name = token().toLowerCase();
    if (name === '') return { kind: 'malformed', why: `parameter name expected at ${i}` };
    skipWsp();
    if (value.charCodeAt(i) !== 0x3d) return { kind: 'malformed', why: `"=" expected after ${name}` };
    i++;
    skipWsp();
    let v: string;
    if (value.charCodeAt(i) === DQUOTE) {
      // quoted-string: qdtext is anything but DQUOTE and "\"; quoted-pair = "\" and any char
      // except CR/LF (§25.1), which cannot occur in an unfolded value anyway.
      i++;
      let out = '';
      let runStart = i;
      for (;;) {
        if (i >= n) return { kind: 'malformed', why: `unterminated quoted string in ${name}` };
        const c = value.charCodeAt(i);
        if (c === DQUOTE) break;
        if (c === BACKSLASH) {
          if (i + 1 >= n) return { kind: 'malformed', why: `dangling "\\" in ${name}` };
          out += value.slice(runStart, i) + value.charAt(i + 1);
          i += 2;
          runStart = i;
          continue;
        }
        if (c < 0x20 && c !== 0x09) return { kind: 'malformed', why: `control character in ${name}` };
        i++;
      }
      v = out + value.slice(runStart, i);
      i++; // closing DQUOTE
    } else {
      v = token();
      if (v === '') return { kind: 'malformed', why: `value expected for ${name}` };
    }
    // RFC 7235 §2.1: "Each parameter name MUST only occur once per challenge" — a second value
    // would leave us to guess which one the digest covers.
    if (params.has(name)) return { kind: 'malformed', why: `${name} appears twice` };
    params.set(name, v);
    skipWsp();
    if (i >= n) return { kind: 'digest', params };
    if (value.charCodeAt(i) !== 0x2c) return { kind: 'malformed', why: `"," expected after ${name}` };
    i++;
  }
}

/** The digest-response fields sip4xx reads (RFC 7616 §3.4), quotes removed. */
export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  /** As sent; absent means MD5 (RFC 7616 §3.4). */
  readonly algorithm: string | undefined;
  readonly qop: string | undefined;
  readonly nc: string | undefined;
  readonly cnonce: string | undefined;
  readonly opaque: string | undefined;
}

const REQUIRED = ['username', 'realm', 'nonce', 'uri', 'response'] as const;

/** The typed fields, or the names of the required ones missing (RFC 7616 §3.4). */
export function digestCredentials(params: ReadonlyMap<string, string>): DigestCredentials | { readonly missing: readonly string[] } {
  const missing = REQUIRED.filter((k) => !params.has(k));
  if (missing.length > 0) return { missing };
  const get = (k: string) => params.get(k) ?? '';
  return {
    username: get('username'),
    realm: get('realm'),
    nonce: get('nonce'),
    uri: get('uri'),
    response: get('response'),
    algorithm: params.get('algorithm'),
    qop: params.get('qop'),
    nc: params.get('nc'),
    cnonce: params.get('cnonce'),
    opaque: params.get('opaque'),
  };
}
