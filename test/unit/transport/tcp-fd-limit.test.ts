/** The descriptor budget of stream listeners: /proc/self/limits parsed, the cap lowered below it. */
import { describe, expect, it } from 'vitest';
import { connectionCap, DESCRIPTOR_RESERVE, descriptorLimit, parseOpenFilesLimit } from '../../../src/transport/tcp-fd-limit.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max open files            1024                 1048576              files     
Max locked memory         8388608              8388608              bytes     
`;

describe('descriptor limit', () => {
  it('reads the soft "Max open files" of a /proc limits text', () => {
    expect(parseOpenFilesLimit(LIMITS)).toBe(1024);
    expect(parseOpenFilesLimit(LIMITS.replace('1024      ', 'unlimited '))).toBeUndefined();
    expect(parseOpenFilesLimit('Max cpu time unlimited unlimited seconds\n')).toBeUndefined();
  });

  it('lowers maxConnections to the limit less the reserve, and keeps it when it fits or is unknown', () => {
    expect(DESCRIPTOR_RESERVE).toBe(128);
    expect(connectionCap(1024, 1024)).toBe(896);
    expect(connectionCap(1024, 20_000)).toBe(1024);
    expect(connectionCap(1024, undefined)).toBe(1024);
    expect(connectionCap(1024, 100)).toBe(1);
  });

  it('reads this process limit (Linux /proc/self/limits)', () => {
    expect(descriptorLimit()).toBeGreaterThan(0);
  });
});
