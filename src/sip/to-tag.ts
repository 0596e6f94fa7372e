/**
 * To tags for responses (§8.2.6.2, §19.3). Derived from the address a request came from and what
 * identifies it — Call-ID, From, top branch, CSeq number — so a retransmitted request gets the
 * same tag even before transactions remember it (and a stateless answer identical bytes).
 *
 * The tag is also a proof: an ACK from a UDP address that carries our tag shows that the address
 * receives what we send it (src/net/source-credit.ts, docs/ARCHITECTURE.md, Reflection). So it is
 * keyed, in two steps. Each source address gets a key of its own, SHA-256 over the server's secret
 * key and the address, cut to 128 bits; the request's parts are then hashed under it by a 64-bit
 * mixing hash whose two 32-bit lanes start from two words of the source's key and end mixed with
 * the other two. For one request, each step maps the lanes one-to-one, so with the source's key
 * unknown the tag is 64 unknown bits. Only the address itself sees tags made under its key, so a
 * tag can be computed by whoever received its answer and by nobody else: the source key of an
 * address that never saw one is 128 unknown bits (a spoofer never sees the tags sent to the address
 * it spoofs), and even an address that recovers its own source key from its own tags learns nothing
 * of any other's. A single 32-bit salt for every address fell to an offline search over one
 * observed tag; SHA-256 over the whole request took ~410 ns a tag in isolation and ~0.8 µs of each
 * INVITE+ACK in the server (bench/README.md, "To tags"), the mixing hash ~220 ns. The server's key
 * is made at start (≥ 128 bits, `newTagKey`); processes that answer for one server share it by
 * passing the same key (`tagKey` of src/server.ts), and tests pass a fixed one. Source keys are
 * remembered for at most MAX_SOURCE_KEYS addresses (~150 B each: the address and four words), all
 * forgotten at once when full: a flood of spoofed addresses costs one SHA-256 per new address, as
 * every tag did before.
 *
 * The parts are each ended by a separator the hash takes apart from any character (a step of its
 * own, not a code unit): no two different lists of parts are the same input.
 */
import { hash, randomBytes } from 'node:crypto';
import { absorb, absorbEnd, fmix } from '../util/mix.js';

export type Tagger = (source: string, callId: string, from: string, branch: string, cseqNumber: string) => string;

/** The shortest key accepted: 128 bits. */
export const MIN_TAG_KEY_BYTES = 16;

/** Addresses whose source keys are remembered (~150 B each). */
export const MAX_SOURCE_KEYS = 4096;

/** A new random key for `makeTagger`: 256 bits. */
export function newTagKey(): Buffer {
  return randomBytes(32);
}

export function makeTagger(key: Uint8Array = newTagKey()): Tagger {
  if (key.byteLength < MIN_TAG_KEY_BYTES) throw new RangeError(`To-tag key of ${key.byteLength} bytes: at least ${MIN_TAG_KEY_BYTES} needed`);
  // As text, one character per byte, so the key and the address are hashed as one string in one call.
  const prefix = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
  const keys = new Map<string, Int32Array>();
  const sourceKey = (source: string): Int32Array => {
    let k = keys.get(source);
    if (k === undefined) {
      if (keys.size >= MAX_SOURCE_KEYS) keys.clear();
      const d = hash('sha256', `${prefix}${source}`, 'buffer');
      k = Int32Array.of(d.readInt32LE(0), d.readInt32LE(4), d.readInt32LE(8), d.readInt32LE(12));
      keys.set(source, k);
    }
    return k;
  };
  return (source, callId, from, branch, cseqNumber) => {
    const k = sourceKey(source);
    lanes[0] = k[0] as number;
    lanes[1] = k[1] as number;
    absorb(lanes, callId);
    absorbEnd(lanes);
    absorb(lanes, from);
    absorbEnd(lanes);
    absorb(lanes, branch);
    absorbEnd(lanes);
    absorb(lanes, cseqNumber);
    absorbEnd(lanes);
    return hex16(fmix((lanes[0] as number) ^ (k[2] as number)), fmix((lanes[1] as number) ^ (k[3] as number)));
  };
}

/** The two running lanes; the tagger is synchronous, so one pair serves every call. */
const lanes = new Int32Array(2);

const HEX = '0123456789abcdef';

/** 16 lower-case hex digits, by table: Number#toString(16) takes V8's generic radix path (~1 µs). */
function hex16(a: number, b: number): string {
  return String.fromCharCode(
    HEX.charCodeAt((a >>> 28) & 15), HEX.charCodeAt((a >>> 24) & 15), HEX.charCodeAt((a >>> 20) & 15), HEX.charCodeAt((a >>> 16) & 15),
    HEX.charCodeAt((a >>> 12) & 15), HEX.charCodeAt((a >>> 8) & 15), HEX.charCodeAt((a >>> 4) & 15), HEX.charCodeAt(a & 15),
    HEX.charCodeAt((b >>> 28) & 15), HEX.charCodeAt((b >>> 24) & 15), HEX.charCodeAt((b >>> 20) & 15), HEX.charCodeAt((b >>> 16) & 15),
    HEX.charCodeAt((b >>> 12) & 15), HEX.charCodeAt((b >>> 8) & 15), HEX.charCodeAt((b >>> 4) & 15), HEX.charCodeAt(b & 15),
  );
}
