/**
 * To tags for responses (§8.2.6.2, §19.3). Derived from what identifies the request — Call-ID,
 * From tag, top branch, CSeq — plus a per-process salt, so a retransmitted request gets the same
 * tag even before transactions remember it, and tags differ from one server run to the next.
 * Two FNV-1a passes give 64 bits: far more than §19.3's "at least 32 bits of randomness".
 */
import { randomBytes } from 'node:crypto';

export function makeTagger(salt: number = randomBytes(4).readUInt32LE(0)): (key: string) => string {
  return (key: string) => {
    let a = (0x811c9dc5 ^ salt) >>> 0;
    let b = (0x01000193 ^ ~salt) >>> 0;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193) >>> 0;
      b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
    }
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
  };
}
