import { describe, expect, it } from 'vitest';
import { RtpSource, alaw, canSource, ulaw } from '../../../src/media/rtp-source.js';

/** A fixed "random" so the SSRC, first sequence number and timestamp are known. */
const fixed = (v: number) => () => v;

describe('G.711 coding (ITU-T G.711)', () => {
  it('codes silence as 0xFF in μ-law and 0xD5 in A-law', () => {
    expect([ulaw(0), alaw(0)]).toEqual([0xff, 0xd5]);
  });

  it('codes the extremes to the segment ends, sign by sign', () => {
    expect([ulaw(32767), ulaw(-32768)]).toEqual([0x80, 0x00]);
    expect([alaw(32767), alaw(-32768)]).toEqual([0xaa, 0x2a]);
  });

  it('keeps the sign bit: μ-law negative values have bit 7 clear, A-law positive ones set', () => {
    expect(ulaw(1000) & 0x80).toBe(0x80);
    expect(ulaw(-1000) & 0x80).toBe(0);
    expect(alaw(1000) & 0x80).toBe(0x80);
    expect(alaw(-1000) & 0x80).toBe(0);
  });
});

describe('RtpSource (RFC 3550 §5.1)', () => {
  it('sends PCMU frames of 160 samples: V=2, marker on the first only, sequence and timestamp stepping', () => {
    const src = new RtpSource({ pt: 0, encoding: 'PCMU' }, fixed(0.5));
    const a = src.next();
    const b = src.next();
    expect(a.length).toBe(12 + 160);
    expect([a[0], a[1], b[1]]).toEqual([0x80, 0x80, 0x00]);
    expect([a.readUInt16BE(2), b.readUInt16BE(2)]).toEqual([0x8000, 0x8001]);
    expect([a.readUInt32BE(4), b.readUInt32BE(4)]).toEqual([0x80000000, 0x80000000 + 160]);
    expect(a.readUInt32BE(8)).toBe(b.readUInt32BE(8));
    // A tone, not silence: the frame is not all 0xFF.
    expect(a.subarray(12).some((x) => x !== 0xff)).toBe(true);
  });

  it('sends opus silence frames (RFC 6716 TOC 0xF8) with a 48 kHz timestamp step (RFC 7587 §4.1)', () => {
    const src = new RtpSource({ pt: 96, encoding: 'opus' }, fixed(0));
    const a = src.next();
    const b = src.next();
    expect([...a]).toEqual([0x80, 0x80 | 96, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf8, 0xff, 0xfe]);
    expect(b.readUInt32BE(4)).toBe(960);
  });

  it('wraps the sequence number and the timestamp', () => {
    const src = new RtpSource({ pt: 8, encoding: 'PCMA' }, fixed(0.99999999999));
    const a = src.next();
    const b = src.next();
    expect([a.readUInt16BE(2), b.readUInt16BE(2)]).toEqual([0xffff, 0]);
    expect(b.readUInt32BE(4)).toBe((a.readUInt32BE(4) + 160) % 2 ** 32);
  });

  it('has frames for PCMU, PCMA and opus only', () => {
    expect(['PCMU', 'pcma', 'opus', 'G729', 'G722'].map((encoding) => canSource({ pt: 0, encoding }))).toEqual([true, true, true, false, false]);
    expect(canSource(undefined)).toBe(false);
  });
});
