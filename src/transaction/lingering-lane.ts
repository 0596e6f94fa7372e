/**
 * Lingering transaction records of one lifetime (all T4, or all 64·T1), oldest first, kept off
 * the JS heap: a record is a row of typed-array fields plus its bytes in a slab, and it is found
 * through seeded hash indexes (id-index.ts) by its transaction key and by its §8.2.2.2 merge key.
 *
 * Why, measured: a busy server holds rate × 5 s of these (100,000 at 20,000 INVITEs/s) and, for
 * non-INVITE, rate × 32 s. As JS objects — an entry, its key and merge-key strings, Map slots —
 * each one survived two scavenges into the old generation, so the young collector copied them all
 * and the old generation grew by ~7 MB/s, each full collection's pause growing with it; those
 * pauses made the load benchmark's p99 tail (bench/README.md). Here the collector sees a few
 * blocks of arrays, however many records there are.
 *
 * Records are written in blocks of up to BLOCK rows; a block's slab takes their bytes: key, merge
 * key, and for a record that replays its final response, the response and the address it goes to.
 * Records leave in any order (marked dead, dropped from the indexes), and a block is recycled once
 * every record before its end is dead. A record's id is its block number × BLOCK + its row.
 */
import { IdIndex, NO_ID } from './id-index.js';
import { keyEquals, readKey, writeKey } from './key-hash.js';

const BLOCK = 1024;
/** Slab bytes per block; a record too large for one gets a block of its own size. */
const SLAB_BYTES = 256 * 1024;
/** Standard blocks kept for reuse, so a steady load does not allocate (and zero) new ones. */
const SPARE_BLOCKS = 4;

// Fields of a record's row in Block.meta (int32 each).
const KEY_HASH = 0;
const MERGE_HASH = 1;
/** Offset of the record's bytes in the slab. */
const AT = 2;
const KEY_LEN = 3;
/** -1: no merge key. */
const MERGE_LEN = 4;
/** -1: nothing to replay. */
const BODY_LEN = 5;
const ADDRESS_LEN = 6;
const PORT = 7;
const SENDER = 8;
/** 1 while the record is live. */
const LIVE = 9;
const FIELDS = 10;

interface Block {
  no: number;
  readonly meta: Int32Array;
  readonly until: Float64Array;
  readonly slab: Uint8Array;
  /** Rows written, slab bytes used. */
  rows: number;
  used: number;
}

/** What a replaying record keeps; the sender is an id the owner hands out (lingering.ts). */
export interface ReplayToStore {
  readonly bytes: Uint8Array;
  readonly address: string;
  readonly port: number;
  readonly sender: number;
}

/** The same, read back: the bytes are a copy (see replayOf). */
export interface StoredReplay extends ReplayToStore {
  readonly bytes: Buffer;
}

export class LingeringLane {
  private blocks: Block[] = [];
  /** The block number of blocks[0]; the next block opened gets the number after the last one. */
  private firstNo = 0;
  private nextNo = 0;
  /** Every record before this id is dead. */
  private head = 0;
  private readonly spare: Block[] = [];
  private readonly byKey = new IdIndex();
  private readonly byMerge = new IdIndex();

  get size(): number {
    return this.byKey.size;
  }

  /** Add a live record; returns its id. The caller has removed any record with the same key. */
  add(key: string, keyHash: number, until: number, merge: string | undefined, mergeHash: number, replay: ReplayToStore | undefined): number {
    const mergeLen = merge === undefined ? 0 : merge.length;
    const bodyLen = replay === undefined ? 0 : replay.bytes.length;
    const addressLen = replay === undefined ? 0 : replay.address.length;
    const need = key.length + mergeLen + bodyLen + addressLen;
    let b = this.blocks[this.blocks.length - 1];
    if (b === undefined || b.rows === BLOCK || b.used + need > b.slab.length) b = this.open(need);
    const row = b.rows++;
    const m = row * FIELDS;
    let at = b.used;
    b.used += need;
    b.meta[m + KEY_HASH] = keyHash;
    b.meta[m + MERGE_HASH] = mergeHash;
    b.meta[m + AT] = at;
    b.meta[m + KEY_LEN] = key.length;
    b.meta[m + MERGE_LEN] = merge === undefined ? -1 : mergeLen;
    b.meta[m + BODY_LEN] = replay === undefined ? -1 : bodyLen;
    b.meta[m + ADDRESS_LEN] = addressLen;
    b.meta[m + PORT] = replay === undefined ? 0 : replay.port;
    b.meta[m + SENDER] = replay === undefined ? -1 : replay.sender;
    b.meta[m + LIVE] = 1;
    b.until[row] = until;
    writeKey(key, b.slab, at);
    at += key.length;
    if (merge !== undefined) {
      writeKey(merge, b.slab, at);
      at += mergeLen;
    }
    if (replay !== undefined) {
      b.slab.set(replay.bytes, at);
      writeKey(replay.address, b.slab, at + bodyLen);
    }
    const id = b.no * BLOCK + row;
    this.byKey.insert(id, keyHash);
    if (merge !== undefined) this.byMerge.insert(id, mergeHash);
    return id;
  }

  /** The live record whose transaction key is `key`, or NO_ID. */
  find(key: string, keyHash: number): number {
    return this.probe(this.byKey, key, keyHash, false);
  }

  /** A live record holding merge key `merge`, or NO_ID. */
  findMerge(merge: string, mergeHash: number): number {
    return this.probe(this.byMerge, merge, mergeHash, true);
  }

  until(id: number): number {
    const b = this.blockOf(id);
    return b.until[id - b.no * BLOCK] as number;
  }

  /** What the record replays, or undefined for one that only absorbs. */
  replayOf(id: number): StoredReplay | undefined {
    const b = this.blockOf(id);
    const m = (id - b.no * BLOCK) * FIELDS;
    const bodyLen = b.meta[m + BODY_LEN] as number;
    if (bodyLen === -1) return undefined;
    const mergeLen = b.meta[m + MERGE_LEN] as number;
    const at = (b.meta[m + AT] as number) + (b.meta[m + KEY_LEN] as number) + (mergeLen === -1 ? 0 : mergeLen);
    return {
      // A copy: the slab is reused once the record is gone, and a send may still be queued then.
      bytes: Buffer.from(b.slab.subarray(at, at + bodyLen)),
      address: readKey(b.slab, at + bodyLen, b.meta[m + ADDRESS_LEN] as number),
      port: b.meta[m + PORT] as number,
      sender: b.meta[m + SENDER] as number,
    };
  }

  /** The record's transaction key and merge key, as strings (for tests and debugging: lookups compare bytes). */
  keysOf(id: number): { key: string; merge: string | undefined } {
    const b = this.blockOf(id);
    const m = (id - b.no * BLOCK) * FIELDS;
    const at = b.meta[m + AT] as number;
    const keyLen = b.meta[m + KEY_LEN] as number;
    const mergeLen = b.meta[m + MERGE_LEN] as number;
    return { key: readKey(b.slab, at, keyLen), merge: mergeLen === -1 ? undefined : readKey(b.slab, at + keyLen, mergeLen) };
  }

  /** Drop a live record; returns its sender id (-1 when it replays nothing). */
  drop(id: number): number {
    const b = this.blockOf(id);
    const m = (id - b.no * BLOCK) * FIELDS;
    if (b.meta[m + LIVE] !== 1) return -1;
    b.meta[m + LIVE] = 0;
    this.byKey.remove(id, b.meta[m + KEY_HASH] as number);
    if ((b.meta[m + MERGE_LEN] as number) !== -1) this.byMerge.remove(id, b.meta[m + MERGE_HASH] as number);
    const sender = b.meta[m + SENDER] as number;
    this.advance();
    return sender;
  }

  /** The oldest live record, or NO_ID. */
  oldest(): number {
    return this.size === 0 ? NO_ID : this.head;
  }

  clear(): void {
    this.blocks = [];
    this.firstNo = this.nextNo;
    this.head = this.nextNo * BLOCK;
    this.byKey.clear();
    this.byMerge.clear();
  }

  /** The record `index` holds under `hash` whose key (or merge key) spells `text`, or NO_ID. */
  private probe(index: IdIndex, text: string, hash: number, merge: boolean): number {
    const { ids, hashes, mask } = index;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const id = ids[i] as number;
      if (id === NO_ID) return NO_ID;
      if (hashes[i] !== hash) continue;
      const b = this.blockOf(id);
      const m = (id - b.no * BLOCK) * FIELDS;
      const keyLen = b.meta[m + KEY_LEN] as number;
      const at = (b.meta[m + AT] as number) + (merge ? keyLen : 0);
      if (keyEquals(text, b.slab, at, merge ? (b.meta[m + MERGE_LEN] as number) : keyLen)) return id;
    }
  }

  private blockOf(id: number): Block {
    return this.blocks[Math.floor(id / BLOCK) - this.firstNo] as Block;
  }

  private open(need: number): Block {
    const size = Math.max(SLAB_BYTES, need);
    const reused = size === SLAB_BYTES ? this.spare.pop() : undefined;
    const b: Block = reused ?? {
      no: 0,
      meta: new Int32Array(BLOCK * FIELDS),
      until: new Float64Array(BLOCK),
      slab: new Uint8Array(size),
      rows: 0,
      used: 0,
    };
    b.no = this.nextNo++;
    b.rows = 0;
    b.used = 0;
    if (this.blocks.length === 0) {
      this.firstNo = b.no;
      this.head = b.no * BLOCK;
    }
    this.blocks.push(b);
    return b;
  }

  /** Move `head` past dead records, recycling every block left behind. */
  private advance(): void {
    for (;;) {
      const b = this.blocks[0];
      if (b === undefined) return;
      const end = b.no * BLOCK + b.rows;
      while (this.head < end && b.meta[(this.head - b.no * BLOCK) * FIELDS + LIVE] !== 1) this.head++;
      if (this.head < end) return;
      // Every record of the first block is dead. The last block stays while it may still grow.
      if (this.blocks.length === 1 && b.rows < BLOCK && b.used < b.slab.length) {
        // Empty and still open: start it over rather than let its dead rows pile up.
        if (this.size === 0) this.recycle();
        return;
      }
      this.recycle();
    }
  }

  /** Retire the first block: the next one's first record becomes the head. */
  private recycle(): void {
    const b = this.blocks.shift() as Block;
    if (b.slab.length === SLAB_BYTES && this.spare.length < SPARE_BLOCKS) this.spare.push(b);
    const next = this.blocks[0];
    this.firstNo = next === undefined ? this.nextNo : next.no;
    this.head = this.firstNo * BLOCK;
  }
}
