import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MIN_TAG_KEY_BYTES, makeTagger, newTagKey } from '../../../src/sip/to-tag.js';

const KEY = Buffer.alloc(16, 42);
const SRC = '192.0.2.7';

describe('To tags (§8.2.6.2, §19.3)', () => {
  const tag = makeTagger(KEY);

  it('is 64 bits as 16 lower-case hex digits, the same for the same request from the same address', () => {
    const t = tag(SRC, 'a84b4c76e66710@pc33.atlanta.com', '<sip:alice@atlanta.com>;tag=1928301774', 'z9hG4bK776asdhds', '314159');
    expect(t).toMatch(/^[0-9a-f]{16}$/);
    expect(tag(SRC, 'a84b4c76e66710@pc33.atlanta.com', '<sip:alice@atlanta.com>;tag=1928301774', 'z9hG4bK776asdhds', '314159')).toBe(t);
    // The same from a tagger made again with the same key (another process of the same server).
    expect(makeTagger(Buffer.from(KEY))(SRC, 'a84b4c76e66710@pc33.atlanta.com', '<sip:alice@atlanta.com>;tag=1928301774', 'z9hG4bK776asdhds', '314159')).toBe(t);
  });

  it('differs when any part differs, including where one part ends and the next begins', () => {
    const base = tag(SRC, 'c', 'f', 'b', '1');
    const variants = [tag('192.0.2.8', 'c', 'f', 'b', '1'), tag(SRC, 'c2', 'f', 'b', '1'), tag(SRC, 'c', 'f2', 'b', '1'), tag(SRC, 'c', 'f', 'b2', '1'), tag(SRC, 'c', 'f', 'b', '2')];
    expect(new Set([base, ...variants]).size).toBe(6);
    expect(tag(SRC, 'ab', 'c', '', '1')).not.toBe(tag(SRC, 'a', 'bc', '', '1'));
    expect(tag(SRC, '1:a', '', '', '1')).not.toBe(tag(SRC, '', '1:a', '', '1'));
  });

  it('is the keyed SHA-256 of the key (a character per byte) and the parts, each ended by NUL, cut to 64 bits', () => {
    const key = Buffer.from([0x00, 0x7f, 0x80, 0xff, ...Buffer.alloc(12, 42)]);
    const text = `${key.toString('latin1')}192.0.2.7\u0000c\u0000f\u0000b\u00001\u0000`;
    expect(makeTagger(key)(SRC, 'c', 'f', 'b', '1')).toBe(createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16));
    // Bytes of the key past 0x7f are hashed as two UTF-8 bytes each: still one text per key.
    expect(makeTagger(key)(SRC, 'c', 'f', 'b', '1')).not.toBe(makeTagger(Buffer.from([0x00, 0x7f, 0x80, 0xfe, ...Buffer.alloc(12, 42)]))(SRC, 'c', 'f', 'b', '1'));
  });

  it('differs from one key to another, and a new key is random and 256 bits', () => {
    expect(makeTagger(Buffer.alloc(16, 1))(SRC, 'c', 'f', 'b', '1')).not.toBe(makeTagger(Buffer.alloc(16, 2))(SRC, 'c', 'f', 'b', '1'));
    const [a, b] = [newTagKey(), newTagKey()];
    expect(a.length).toBe(32);
    expect(a.equals(b)).toBe(false);
  });

  it('refuses a key shorter than 128 bits', () => {
    expect(() => makeTagger(Buffer.alloc(MIN_TAG_KEY_BYTES - 1))).toThrow(RangeError);
    expect(() => makeTagger(Buffer.alloc(MIN_TAG_KEY_BYTES))).not.toThrow();
  });
});
