import { describe, expect, it } from 'vitest';
import { makeTagger } from '../../../src/sip/to-tag.js';

describe('To tags (§8.2.6.2, §19.3)', () => {
  const tag = makeTagger(42);

  it('is 64 bits as 16 lower-case hex digits, the same for the same request', () => {
    const t = tag('a84b4c76e66710@pc33.atlanta.com', '<sip:alice@atlanta.com>;tag=1928301774', 'z9hG4bK776asdhds', '314159');
    expect(t).toMatch(/^[0-9a-f]{16}$/);
    expect(tag('a84b4c76e66710@pc33.atlanta.com', '<sip:alice@atlanta.com>;tag=1928301774', 'z9hG4bK776asdhds', '314159')).toBe(t);
  });

  it('differs when any part differs, including where one part ends and the next begins', () => {
    const base = tag('c', 'f', 'b', '1');
    expect(new Set([base, tag('c2', 'f', 'b', '1'), tag('c', 'f2', 'b', '1'), tag('c', 'f', 'b2', '1'), tag('c', 'f', 'b', '2')]).size).toBe(5);
    expect(tag('ab', 'c', '', '1')).not.toBe(tag('a', 'bc', '', '1'));
  });

  it('differs from one server run (salt) to the next', () => {
    expect(makeTagger(1)('c', 'f', 'b', '1')).not.toBe(makeTagger(2)('c', 'f', 'b', '1'));
  });
});
