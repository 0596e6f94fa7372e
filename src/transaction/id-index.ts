/**
 * A hash index from 32-bit hashes to record ids, in typed arrays: open addressing, linear probing,
 * backward-shift deletion, at most half full. The records themselves live elsewhere
 * (lingering-lane.ts); whoever probes compares the record's key, since different keys may share
 * a hash. Nothing here is a JS object per entry, so the garbage collector never walks it.
 */
const MIN_CAPACITY = 64;
/** An empty slot. Ids are non-negative integers below 2^53, kept exactly in a Float64Array. */
export const NO_ID = -1;

export class IdIndex {
  ids = new Float64Array(MIN_CAPACITY).fill(NO_ID);
  hashes = new Int32Array(MIN_CAPACITY);
  mask = MIN_CAPACITY - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  insert(id: number, hash: number): void {
    if (2 * (this.count + 1) > this.ids.length) this.resize(2 * this.ids.length);
    let i = hash & this.mask;
    while (this.ids[i] !== NO_ID) i = (i + 1) & this.mask;
    this.ids[i] = id;
    this.hashes[i] = hash;
    this.count++;
  }

  /** Remove the entry for `id`, which was inserted with `hash`. */
  remove(id: number, hash: number): void {
    const { ids, hashes } = this;
    let i = hash & this.mask;
    for (; ids[i] !== id; i = (i + 1) & this.mask) if (ids[i] === NO_ID) return;
    // Move later members of the probe run back into the hole unless their home slot lies
    // cyclically in (hole, their slot]: every lookup must still reach its entry before an empty slot.
    for (let j = (i + 1) & this.mask; ids[j] !== NO_ID; j = (j + 1) & this.mask) {
      const home = (hashes[j] as number) & this.mask;
      const stays = i <= j ? home > i && home <= j : home > i || home <= j;
      if (stays) continue;
      ids[i] = ids[j] as number;
      hashes[i] = hashes[j] as number;
      i = j;
    }
    ids[i] = NO_ID;
    this.count--;
    if (this.ids.length > MIN_CAPACITY && 8 * this.count < this.ids.length) this.resize(this.ids.length / 2);
  }

  clear(): void {
    this.ids = new Float64Array(MIN_CAPACITY).fill(NO_ID);
    this.hashes = new Int32Array(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.count = 0;
  }

  private resize(capacity: number): void {
    const { ids, hashes } = this;
    this.ids = new Float64Array(capacity).fill(NO_ID);
    this.hashes = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (let j = 0; j < ids.length; j++) {
      const id = ids[j] as number;
      if (id === NO_ID) continue;
      const hash = hashes[j] as number;
      let i = hash & this.mask;
      while (this.ids[i] !== NO_ID) i = (i + 1) & this.mask;
      this.ids[i] = id;
      this.hashes[i] = hash;
    }
  }
}
