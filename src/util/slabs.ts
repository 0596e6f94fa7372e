/**
 * Copies of bytes that live for seconds, packed into large slabs of their own instead of a malloc
 * block each or a slice of Node's shared 8 KiB Buffer pool (docs/ARCHITECTURE.md, Transactions,
 * and bench/README.md, "Fuzz"). A slab is a mapping of its own (the start paths fix glibc's
 * mmap threshold at 128 KiB, below a slab), so it goes back to the system as soon as the last
 * copy in it is collected: after a flood, what the kept copies took is returned whatever else
 * the C heap holds. Copies made at about the same time end at about the same time (Timers H and
 * J are fixed), so a slab empties as a whole; a copy larger than a quarter slab gets its own.
 */
export class Slabs {
  private slab: Buffer | undefined = undefined;
  private used = 0;

  constructor(private readonly slabBytes = 1 << 20) {}

  /** A copy of `bytes` that shares memory with no Buffer but other copies made here. */
  copy(bytes: Buffer): Buffer {
    const n = bytes.length;
    if (n * 4 > this.slabBytes) {
      const own = Buffer.allocUnsafeSlow(n);
      bytes.copy(own);
      return own;
    }
    if (this.slab === undefined || this.used + n > this.slabBytes) {
      // Unpooled and not zeroed: only the bytes copied in are ever read.
      this.slab = Buffer.allocUnsafeSlow(this.slabBytes);
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + n);
    bytes.copy(out);
    this.used += n;
    return out;
  }
}
