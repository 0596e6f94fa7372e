import { describe, expect, it } from 'vitest';
import type { ResponseBasis } from '../../../src/sip/message.js';
import { parseVia } from '../../../src/sip/parse-via.js';
import { buildFittingResponse, buildResponse, capContacts, shedContacts, type HeaderPair, type ResponseContext } from '../../../src/sip/response.js';
import { parseResponse } from '../../helpers/sip-response.js';

const TOP = 'SIP/2.0/UDP 192.0.2.7:5070;branch=z9hG4bKtop';
const BASIS: ResponseBasis = {
  via: [TOP],
  topVia: parseVia(TOP),
  from: '<sip:carol@example.com>;tag=ft1',
  to: '<sip:alice@example.com>',
  toHasTag: false,
  callId: 'fit1@example.com',
  cseq: '1 INVITE',
  method: 'INVITE',
};
const CTX: ResponseContext = { toTag: 'T4g', server: '', remote: { address: '192.0.2.7', port: 5070, family: 'IPv4' } };
const LIMITS = { contactList: { maxCount: 10, maxBytes: 4096 }, udpResponseBytes: 1300 };

/** `n` Contact pairs, each value `bytes` long. */
function contacts(n: number, bytes: number): HeaderPair[] {
  return Array.from({ length: n }, (_, i) => {
    const head = `<sip:alice@192.0.2.${i + 1}:5060;x=`;
    return ['Contact', `${head}${'a'.repeat(bytes - head.length - 1)}>`] as const;
  });
}

describe('Contact lists of 3xx and 485 (§8.3, §21.4.23)', () => {
  it('keeps the first maxCount Contacts and the other header fields in order', () => {
    const h: HeaderPair[] = [['Retry-After', '5'], ...contacts(4, 40), ['Warning', '399 x "y"']];
    expect(capContacts(h, 2, 4096)).toEqual([h[0], h[1], h[2], h[5]]);
  });

  it('keeps Contacts within maxBytes of Contact lines ("Contact: " value CRLF), and always the first', () => {
    const h = contacts(3, 100); // 111 bytes a line
    expect(capContacts(h, 10, 222)).toEqual([h[0], h[1]]);
    expect(capContacts(h, 10, 221)).toEqual([h[0]]);
    expect(capContacts(h, 10, 1)).toEqual([h[0]]);
    expect(capContacts(h, 10, 333)).toBe(h);
  });

  it('sheds trailing Contacts until the response fits, keeping at least one', () => {
    const h = contacts(3, 100);
    expect(shedContacts(h, 1400, 1300)).toEqual([h[0], h[1]]); // 100 over: one line of 111 goes
    expect(shedContacts(h, 1300, 1300)).toBe(h);
    expect(shedContacts(h, 99_999, 1300)).toEqual([h[0]]);
  });

  it('a registered user\'s 302 with ten 5.9 KB Contacts over UDP: one Contact, within the datagram', () => {
    const spec = { status: 302, headers: contacts(10, 5900) };
    const fit = buildFittingResponse(BASIS, spec, CTX, true, LIMITS);
    const res = parseResponse(fit.bytes);
    expect(fit.status).toBe(302);
    expect(fit.tooLarge).toBe(false);
    expect(res.getAll('Contact')).toEqual([spec.headers[0]?.[1]]);
    expect(fit.bytes.length).toBe(buildResponse(BASIS, { status: 302, headers: [spec.headers[0] as HeaderPair] }, CTX).length);
  });

  it('a 302 of twelve 100-byte Contacts: ten (maxCount) on TCP, as many as fit 1300 bytes on UDP', () => {
    const spec = { status: 302, headers: contacts(12, 100) };
    const tcp = buildFittingResponse(BASIS, spec, CTX, false, LIMITS);
    expect(parseResponse(tcp.bytes).getAll('Contact')).toHaveLength(10);
    const udp = buildFittingResponse(BASIS, spec, CTX, true, LIMITS);
    expect(udp.bytes.length).toBeLessThanOrEqual(1300);
    const n = parseResponse(udp.bytes).getAll('Contact').length;
    const withOneMore = buildResponse(BASIS, { status: 302, headers: spec.headers.slice(0, n + 1) }, CTX);
    expect(withOneMore.length).toBeGreaterThan(1300);
  });

  it('leaves Contacts of other responses alone (a 2xx names one device, §8.2.6)', () => {
    const spec = { status: 200, headers: contacts(12, 100) };
    expect(parseResponse(buildFittingResponse(BASIS, spec, CTX, true, LIMITS).bytes).getAll('Contact')).toHaveLength(12);
  });

  it('answers 500 in one datagram when nothing can bring the response under 65,507 bytes', () => {
    const spec = { status: 486, body: { type: 'text/plain', content: 'x'.repeat(70_000) } };
    const fit = buildFittingResponse(BASIS, spec, CTX, true, LIMITS);
    expect(fit).toMatchObject({ status: 500, tooLarge: true });
    expect(fit.bytes.toString('latin1')).toBe(
      `SIP/2.0 500 Response Too Large For UDP\r\nVia: ${TOP}\r\nFrom: <sip:carol@example.com>;tag=ft1\r\nTo: <sip:alice@example.com>;tag=T4g\r\nCall-ID: fit1@example.com\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`,
    );
    // on TCP the same response is sent whole
    expect(buildFittingResponse(BASIS, spec, CTX, false, LIMITS).status).toBe(486);
  });
});
