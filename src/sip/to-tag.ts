/**
 * To tags for responses (§8.2.6.2, §19.3). Derived from the address a request came from and what
 * identifies it — Call-ID, From, top branch, CSeq number — so a retransmitted request gets the
 * same tag even before transactions remember it (and a stateless answer identical bytes).
 *
 * The tag is also a proof: an ACK from a UDP address that carries our tag shows that the address
 * receives what we send it (src/net/source-credit.ts, docs/ARCHITECTURE.md, Reflection). So it is
 * a keyed hash, SHA-256 over a secret key and the request's parts, cut to 64 bits: without the key
 * nobody can compute the tag of a request they did not receive the answer to, and with the source
 * address hashed in, a tag received at one address proves nothing for another. A 32-bit salt fell
 * to an offline search over one observed tag. The key is made at start (≥ 128 bits, `newTagKey`);
 * processes that answer for one server share it by passing the same key (`tagKey` of
 * src/server.ts), and tests pass a fixed one.
 *
 * Secret-prefix SHA-256 is a sound MAC here because the output is truncated: extending a message
 * needs the full 256-bit state, of which a tag shows 64 bits. One one-shot `hash` call is ~3× less
 * work than an HMAC object per request (bench/README.md). The key is hashed as one character per
 * byte, and the parts follow it each ended by NUL. In a request the parser accepted only From can
 * hold a NUL (in a quoted-pair, §25.1); the source (an address literal), the Call-ID (a word), the
 * branch (a token) and the CSeq number (digits) cannot, so the text read from both ends gives back
 * every part: no two different requests hash the same text, and the source comes first whatever
 * the rest holds. (Length prefixes cost a number-to-text conversion per part: ~190 of ~600 ns.)
 */
import { hash, randomBytes } from 'node:crypto';

export type Tagger = (source: string, callId: string, from: string, branch: string, cseqNumber: string) => string;

/** The shortest key accepted: 128 bits. */
export const MIN_TAG_KEY_BYTES = 16;

/** A new random key for `makeTagger`: 256 bits, one SHA-256 block once written as hex. */
export function newTagKey(): Buffer {
  return randomBytes(32);
}

export function makeTagger(key: Uint8Array = newTagKey()): Tagger {
  if (key.byteLength < MIN_TAG_KEY_BYTES) throw new RangeError(`To-tag key of ${key.byteLength} bytes: at least ${MIN_TAG_KEY_BYTES} needed`);
  // As text, one character per byte, so the key and the parts are hashed as one string in one call.
  const prefix = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
  return (source, callId, from, branch, cseqNumber) =>
    first16(hash('sha256', `${prefix}${source}\u0000${callId}\u0000${from}\u0000${branch}\u0000${cseqNumber}\u0000`, 'hex'));
}

/**
 * The first 16 hex digits as a flat string of their own: a slice would be a V8 sliced string that
 * keeps the whole 64-digit digest alive for as long as a transaction or dialog keeps the tag.
 */
function first16(h: string): string {
  return String.fromCharCode(
    h.charCodeAt(0), h.charCodeAt(1), h.charCodeAt(2), h.charCodeAt(3), h.charCodeAt(4), h.charCodeAt(5), h.charCodeAt(6), h.charCodeAt(7),
    h.charCodeAt(8), h.charCodeAt(9), h.charCodeAt(10), h.charCodeAt(11), h.charCodeAt(12), h.charCodeAt(13), h.charCodeAt(14), h.charCodeAt(15),
  );
}
