/**
 * Header field names: case-insensitive (§7.3.1), with compact forms (§7.3.3, and the later RFCs
 * that registered one). Canonical form is the lower-case long name.
 */
const COMPACT: Readonly<Record<string, string>> = {
  a: 'accept-contact', // RFC 3841
  b: 'referred-by', // RFC 3892
  c: 'content-type',
  d: 'request-disposition', // RFC 3841
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact', // RFC 3841
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info', // RFC 4474
  o: 'event', // RFC 6665
  r: 'refer-to', // RFC 3515
  s: 'subject',
  t: 'to',
  u: 'allow-events', // RFC 6665
  v: 'via',
  x: 'session-expires', // RFC 4028
  y: 'identity', // RFC 8224
};

/**
 * Canonical name of s[from, to) when it is one of the spellings found on nearly every request, or
 * undefined (the caller then checks and lower-cases it). Compared in place, so the common case
 * slices nothing, hashes nothing and lower-cases nothing: a Map lookup on the sliced name cost ~8%
 * of a plain INVITE's parse, the slice-and-toLowerCase before it ~5%.
 */
export function commonHeaderName(s: string, from: number, to: number): string | undefined {
  switch (to - from) {
    case 1: {
      const c = s.charCodeAt(from) | 0x20;
      return c >= 0x61 && c <= 0x7a ? COMPACT_BY_LETTER[c - 0x61] : undefined;
    }
    case 2:
      return s.startsWith('To', from) ? 'to' : undefined;
    case 3:
      return s.startsWith('Via', from) ? 'via' : undefined;
    case 4:
      return s.startsWith('From', from) ? 'from' : s.startsWith('CSeq', from) ? 'cseq' : undefined;
    case 5:
      return s.startsWith('Allow', from) ? 'allow' : s.startsWith('Route', from) ? 'route' : undefined;
    case 6:
      return s.startsWith('Accept', from) ? 'accept' : undefined;
    case 7:
      if (s.startsWith('Call-ID', from)) return 'call-id';
      if (s.startsWith('Contact', from)) return 'contact';
      if (s.startsWith('Expires', from)) return 'expires';
      return s.startsWith('Subject', from) ? 'subject' : undefined;
    case 9:
      return s.startsWith('Supported', from) ? 'supported' : undefined;
    case 10:
      return s.startsWith('User-Agent', from) ? 'user-agent' : undefined;
    case 12:
      if (s.startsWith('Max-Forwards', from)) return 'max-forwards';
      return s.startsWith('Content-Type', from) ? 'content-type' : undefined;
    case 14:
      return s.startsWith('Content-Length', from) ? 'content-length' : undefined;
    default:
      return undefined;
  }
}

const COMPACT_BY_LETTER: readonly (string | undefined)[] = Array.from({ length: 26 }, (_v, i) => {
  const letter = String.fromCharCode(0x61 + i);
  return COMPACT[letter] ?? letter;
});

export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1) return COMPACT[lower] ?? lower;
  return lower;
}
