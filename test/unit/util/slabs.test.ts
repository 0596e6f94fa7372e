/** Copies packed into slabs of their own (src/util/slabs.ts). */
import { describe, expect, it } from 'vitest';
import { Slabs } from '../../../src/util/slabs.js';

describe('Slabs', () => {
  it('copies the bytes exactly, into memory the source does not share', () => {
    const source = Buffer.from('SIP/2.0 404 Not Found\r\n\r\n', 'latin1');
    const copy = new Slabs(1024).copy(source);
    expect(copy.toString('latin1')).toBe(source.toString('latin1'));
    expect(copy.buffer).not.toBe(source.buffer);
    source[0] = 0x78;
    expect(copy[0]).toBe(0x53);
  });

  it('packs small copies one after another in one slab, and starts a new slab when one is full', () => {
    const slabs = new Slabs(1024);
    const a = slabs.copy(Buffer.alloc(250, 1));
    const b = slabs.copy(Buffer.alloc(250, 2));
    expect(b.buffer).toBe(a.buffer);
    expect([a.byteOffset, b.byteOffset, a.buffer.byteLength]).toEqual([0, 250, 1024]);
    slabs.copy(Buffer.alloc(250, 3));
    slabs.copy(Buffer.alloc(250, 4));
    const e = slabs.copy(Buffer.alloc(250, 5)); // 1,000 of 1,024 used: it does not fit
    expect([e.buffer === a.buffer, e.byteOffset]).toEqual([false, 0]);
    expect([...a.subarray(0, 2), ...b.subarray(0, 2), ...e.subarray(0, 2)]).toEqual([1, 1, 2, 2, 5, 5]);
  });

  it('gives a copy larger than a quarter slab memory of its own', () => {
    const slabs = new Slabs(1024);
    const big = slabs.copy(Buffer.alloc(257, 7));
    expect([big.byteOffset, big.buffer.byteLength, big[256]]).toEqual([0, 257, 7]);
  });
});
