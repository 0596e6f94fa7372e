/** murmur3's 32-bit finalizer: a one-to-one mix in which every output bit depends on every input bit. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Two 32-bit lanes over a string's UTF-16 code units, read from and written back to `lanes[0]`
 * and `lanes[1]` (the callers seed them and finish them with `fmix`). Lane 1 multiplies as FNV-1a
 * does; lane 2 also folds its high bits down at each step, so that its low bits depend on every
 * bit before them, which a multiply alone never gives them. Used by the transaction keys' table
 * (hashed-table.ts) and the To tag (sip/to-tag.ts).
 */
export function absorb(lanes: Int32Array, s: string): void {
  let a = lanes[0] as number;
  let b = lanes[1] as number;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  lanes[0] = a;
  lanes[1] = b;
}

/** One more step of `absorb` with 0x10000, which no UTF-16 code unit is: the end of one part of several. */
export function absorbEnd(lanes: Int32Array): void {
  lanes[0] = Math.imul((lanes[0] as number) ^ 0x10000, 0x01000193);
  const b = Math.imul((lanes[1] as number) ^ 0x10000, 0x5bd1e995);
  lanes[1] = b ^ (b >>> 13);
}
