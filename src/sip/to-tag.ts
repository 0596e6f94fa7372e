/**
 * To tags for responses (§8.2.6.2, §19.3). Derived from what identifies the request — Call-ID,
 * From, top branch, CSeq number — plus a per-process salt, so a retransmitted request gets the same
 * tag even before transactions remember it, and tags differ from one server run to the next.
 * Two FNV-1a-style passes give 64 bits: far more than §19.3's "at least 32 bits of randomness".
 *
 * Hot path (one call per request that creates a transaction): the parts are hashed in place, with
 * a separator between them, rather than joined into one string first.
 */
import { randomBytes } from 'node:crypto';

export type Tagger = (callId: string, from: string, branch: string, cseqNumber: string) => string;

/** The two running hashes; the tagger is synchronous, so one scratch pair serves every call. */
const state = new Uint32Array(2);

/** Hash one part into `state`, then a separator (0x7c, '|') so ("ab","c") and ("a","bc") differ. */
function absorb(part: string): void {
  let a = state[0] as number;
  let b = state[1] as number;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  state[0] = Math.imul(a ^ 0x7c, 0x01000193);
  state[1] = Math.imul(b ^ 0x7c, 0x5bd1e995);
}

export function makeTagger(salt: number = randomBytes(4).readUInt32LE(0)): Tagger {
  const a0 = (0x811c9dc5 ^ salt) >>> 0;
  const b0 = (0x01000193 ^ ~salt) >>> 0;
  return (callId, from, branch, cseqNumber) => {
    state[0] = a0;
    state[1] = b0;
    absorb(callId);
    absorb(from);
    absorb(branch);
    absorb(cseqNumber);
    return hex16(state[0] as number, state[1] as number);
  };
}

/** Hex digit codes: Number#toString(16) takes V8's generic radix path, ~1 µs a tag here. */
const HEX = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

function hx(n: number, shift: number): number {
  return HEX[(n >>> shift) & 15] as number;
}

/** `a` and `b` as 16 lower-case hex digits, in one flat string. */
function hex16(a: number, b: number): string {
  return String.fromCharCode(
    hx(a, 28), hx(a, 24), hx(a, 20), hx(a, 16), hx(a, 12), hx(a, 8), hx(a, 4), hx(a, 0),
    hx(b, 28), hx(b, 24), hx(b, 20), hx(b, 16), hx(b, 12), hx(b, 8), hx(b, 4), hx(b, 0),
  );
}
