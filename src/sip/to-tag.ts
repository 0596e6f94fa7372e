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

export function makeTagger(salt: number = randomBytes(4).readUInt32LE(0)): Tagger {
  const a0 = (0x811c9dc5 ^ salt) >>> 0;
  const b0 = (0x01000193 ^ ~salt) >>> 0;
  return (callId, from, branch, cseqNumber) => {
    let a = a0;
    let b = b0;
    // One loop per part; 0x7c ('|') between parts keeps ("ab","c") and ("a","bc") apart.
    for (let i = 0; i < callId.length; i++) {
      const c = callId.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    a = Math.imul(a ^ 0x7c, 0x01000193);
    b = Math.imul(b ^ 0x7c, 0x5bd1e995);
    for (let i = 0; i < from.length; i++) {
      const c = from.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    a = Math.imul(a ^ 0x7c, 0x01000193);
    b = Math.imul(b ^ 0x7c, 0x5bd1e995);
    for (let i = 0; i < branch.length; i++) {
      const c = branch.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    a = Math.imul(a ^ 0x7c, 0x01000193);
    b = Math.imul(b ^ 0x7c, 0x5bd1e995);
    for (let i = 0; i < cseqNumber.length; i++) {
      const c = cseqNumber.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    return hex8(a >>> 0) + hex8(b >>> 0);
  };
}

function hex8(n: number): string {
  const s = n.toString(16);
  return s.length === 8 ? s : s.padStart(8, '0');
}
