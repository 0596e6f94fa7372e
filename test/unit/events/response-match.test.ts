import { describe, expect, it } from 'vitest';
import { readResponse } from '../../../src/events/response-match.js';

const response = (lines: string[]) => Buffer.from([...lines, '', ''].join('\r\n'), 'latin1');

describe('readResponse (RFC 3261 §17.1.3: top Via branch and CSeq method)', () => {
  it('reads the status, the branch of the first Via value and the CSeq method', () => {
    const r = response(['SIP/2.0 200 OK', 'v: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc;rport=5060, SIP/2.0/UDP x;branch=z9hG4bKlower', 'Via: SIP/2.0/UDP y;branch=z9hG4bKthird', 'CSeq: 7 notify']);
    expect(readResponse(r)).toEqual({ status: 200, branch: 'z9hG4bKabc', cseqMethod: 'NOTIFY' });
  });

  it.each([
    ['a request', ['NOTIFY sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bKa', 'CSeq: 1 NOTIFY']],
    ['no Via', ['SIP/2.0 200 OK', 'CSeq: 1 NOTIFY']],
    ['a Via without branch', ['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP h', 'CSeq: 1 NOTIFY']],
    ['no CSeq', ['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP h;branch=z9hG4bKa']],
    ['a status out of range', ['SIP/2.0 700 Odd', 'Via: SIP/2.0/UDP h;branch=z9hG4bKa', 'CSeq: 1 NOTIFY']],
  ])('matches nothing for %s', (_what, lines) => {
    expect(readResponse(response(lines))).toBeUndefined();
  });
});
