/**
 * Hashing and storing the transaction tables' keys (transaction keys, §8.2.2.2 merge keys) for the
 * open-addressing tables in open-hash-map.ts and lingering-lane.ts.
 *
 * The keys come from the network, so the hash is seeded per process (a client cannot aim requests
 * at one probe chain without knowing the seed): Jenkins' one-at-a-time hash, the one V8 itself
 * seeded for the same reason. A key is text decoded as latin1 (sip/parse.ts), so each character
 * is one byte and a key can be kept as bytes and compared with its string form exactly.
 */
import { randomBytes } from 'node:crypto';

/** One seed per process, shared by every table, so a key hashed once serves them all. */
export const KEY_SEED = randomBytes(4).readInt32LE(0);

export function hashKey(key: string, seed: number = KEY_SEED): number {
  let h = seed | 0;
  for (let i = 0; i < key.length; i++) {
    h = (h + key.charCodeAt(i)) | 0;
    h = (h + (h << 10)) | 0;
    h ^= h >>> 6;
  }
  h = (h + (h << 3)) | 0;
  h ^= h >>> 11;
  return (h + (h << 15)) | 0;
}

/**
 * A key's bytes written at `at`, one per character. Every character fits in a byte: keys are made
 * of header text the parser decoded as latin1 (0-255). The caller has made room for `key.length`.
 */
export function writeKey(key: string, to: Uint8Array, at: number): void {
  for (let i = 0; i < key.length; i++) to[at + i] = key.charCodeAt(i);
}

/** Whether the `length` bytes at `at` spell `key`. */
export function keyEquals(key: string, bytes: Uint8Array, at: number, length: number): boolean {
  if (key.length !== length) return false;
  for (let i = 0; i < length; i++) if (bytes[at + i] !== key.charCodeAt(i)) return false;
  return true;
}

/** The `length` bytes at `at` as a string (the inverse of writeKey). */
export function readKey(bytes: Uint8Array, at: number, length: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + at, length).toString('latin1');
}
