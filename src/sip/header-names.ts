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
 * Canonical name of the bytes b[from, to) when it is one of the names found on nearly every request, in any
 * case, or undefined (the caller then checks and lower-cases it). Compared in place, so the common
 * case slices nothing, hashes nothing and lower-cases nothing: a Map lookup on the sliced name cost
 * ~8% of a plain INVITE's parse, the slice-and-toLowerCase before it ~5%. The length and first
 * letter pick the one candidate to compare (a chain of startsWith calls cost ~6%).
 */
export function commonHeaderName(b: Uint8Array, from: number, to: number): string | undefined {
  const first = (b[from] as number) | 0x20;
  let name: string | undefined;
  switch (to - from) {
    case 1:
      return first >= 0x61 && first <= 0x7a ? COMPACT_BY_LETTER[first - 0x61] : undefined;
    case 2:
      name = 'to';
      break;
    case 3:
      name = 'via';
      break;
    case 4:
      name = first === 0x66 ? 'from' : first === 0x63 ? 'cseq' : 'date';
      break;
    case 5:
      name = first === 0x61 ? 'allow' : 'route';
      break;
    case 6:
      name = 'accept';
      break;
    case 7:
      if (first === 0x63) name = ((b[from + 1] as number) | 0x20) === 0x61 ? 'call-id' : 'contact';
      else name = first === 0x65 ? 'expires' : first === 0x72 ? 'require' : 'subject';
      break;
    case 9:
      name = 'supported';
      break;
    case 10:
      name = 'user-agent';
      break;
    case 12:
      name = first === 0x6d ? 'max-forwards' : first === 0x63 ? 'content-type' : 'record-route';
      break;
    case 13:
      name = first === 0x70 ? 'proxy-require' : 'authorization';
      break;
    case 14:
      name = 'content-length';
      break;
    default:
      return undefined;
  }
  return sameName(b, from, name) ? name : undefined;
}

/** b[from, from + lower.length) spells `lower` (a lower-case header name), letters in any case. */
function sameName(b: Uint8Array, from: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    const c = b[from + k];
    const l = lower.charCodeAt(k);
    // Only letters fold: '-' (0x2d) must not match CR (0x0d).
    if (c !== l && (l < 0x61 || c !== l - 0x20)) return false;
  }
  return true;
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
