import { describe, expect, it } from 'vitest';
import { newSessionId, nextVersion, withOrigin } from '../../../src/sdp/sdp-origin.js';

describe('SDP origin of a dialog (RFC 3264 §8)', () => {
  it('starts at version 1, keeps it for an identical SDP and adds one for a changed SDP', () => {
    expect(nextVersion(undefined, 'A')).toBe(1);
    expect(nextVersion({ version: 4, session: 'A' }, 'A')).toBe(4);
    expect(nextVersion({ version: 4, session: 'A' }, 'B')).toBe(5);
  });

  it('puts o= second, after v= (RFC 4566 §5), IP4 or IP6 by the address', () => {
    expect(withOrigin('v=0\r\ns=x\r\n', '192.0.2.5', 77, 2)).toBe('v=0\r\no=sip4xx 77 2 IN IP4 192.0.2.5\r\ns=x\r\n');
    expect(withOrigin('v=0\r\ns=x\r\n', '2001:db8::5', 1, 1)).toBe('v=0\r\no=sip4xx 1 1 IN IP6 2001:db8::5\r\ns=x\r\n');
  });

  it('draws positive safe-integer session ids', () => {
    const ids = Array.from({ length: 20 }, () => newSessionId());
    expect(ids.every((id) => Number.isSafeInteger(id) && id > 0)).toBe(true);
    expect(new Set(ids).size).toBe(20);
  });
});
