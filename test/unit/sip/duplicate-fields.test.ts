import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/sip/parse.js';
import { buildResponse } from '../../../src/sip/response.js';
import type { Endpoint } from '../../../src/transport/flow.js';
import { LIMITS } from './fixtures/request-builder.js';

/** The request came from its own sent-by, so the top Via goes back unstamped (§18.2.1). */
const REMOTE: Endpoint = { address: '192.0.2.1', port: 5060, family: 'IPv4' };

const VIA = 'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds';
const FROM = 'From: Alice <sip:alice@example.com>;tag=1928301774';
const TO = 'To: Bob <sip:bob@example.com>';
const CALL_ID = 'Call-ID: a84b4c76e66710@pc33.example.com';
const CSEQ = 'CSeq: 314159 INVITE';

/** A request with the usual fields, `extra` lines inserted right after the field named `after`. */
function request(after: string, extra: readonly string[], tail: readonly string[] = ['Content-Length: 0']): Buffer {
  const lines = [VIA, 'Max-Forwards: 70', TO, FROM, CALL_ID, CSEQ];
  const at = lines.findIndex((l) => l.startsWith(`${after}:`));
  if (at !== -1) lines.splice(at + 1, 0, ...extra);
  else lines.push(...extra);
  return Buffer.from(['INVITE sip:bob@example.com SIP/2.0', ...lines, ...tail, '', ''].join('\r\n'), 'latin1');
}

/** The whole 400 the parser's response basis produces, as the wire carries it. */
function answer(bytes: Buffer): string {
  const out = parseMessage(bytes, LIMITS, false);
  if (out.kind !== 'reject') throw new Error(`expected a reject, got ${out.kind}`);
  return buildResponse(out.basis, { status: out.status, reason: out.reason }, { toTag: 'T4g', server: 'sip4xx-test', remote: REMOTE }).toString('latin1');
}

function expected(reason: string, echo: { from?: string; to?: string; callId?: string; cseq?: string } = {}): string {
  return [
    `SIP/2.0 400 ${reason}`,
    VIA,
    echo.from ?? FROM,
    echo.to ?? `${TO};tag=T4g`,
    echo.callId ?? CALL_ID,
    echo.cseq ?? CSEQ,
    'Server: sip4xx-test',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

describe('a single-valued header field sent twice: the 400 echoes the first occurrence (§7.3, §8.2.6.2, §20)', () => {
  it('Call-ID: the first value, also when the second is in compact form (§7.3.3, §20.8)', () => {
    expect(answer(request('Call-ID', ['Call-ID: second@pc33.example.com']))).toBe(expected('Multiple Call-ID header fields'));
    expect(answer(request('Call-ID', ['i: second@pc33.example.com']))).toBe(expected('Multiple Call-ID header fields'));
  });

  it('CSeq: the first value, also when the second is malformed (§20.16)', () => {
    expect(answer(request('CSeq', ['CSeq: 2 INVITE']))).toBe(expected('Multiple CSeq header fields'));
    expect(answer(request('CSeq', ['CSeq: nonsense']))).toBe(expected('Multiple CSeq header fields'));
  });

  it('From: the first value with its tag, also when the second is folded (§7.3.1, §20.20)', () => {
    expect(answer(request('From', ['From: Mallory <sip:mallory@example.com>;tag=999']))).toBe(expected('Multiple From header fields'));
    expect(answer(request('From', ['f: Mallory\r\n <sip:mallory@example.com>;tag=999']))).toBe(expected('Multiple From header fields'));
  });

  it('To: the first value; the tag is added because the first had none, though the second has one (§8.2.6.2)', () => {
    expect(answer(request('To', ['To: Carol <sip:carol@example.com>;tag=abc']))).toBe(expected('Multiple To header fields'));
  });

  it('To: the first value with its own tag; none is added though the second has none (§8.2.6.2, §20.39)', () => {
    const tagged = 'To: Bob <sip:bob@example.com>;tag=first';
    const bytes = request('To', ['t: Carol <sip:carol@example.com>']);
    const withTag = Buffer.from(bytes.toString('latin1').replace(`${TO}\r\n`, `${tagged}\r\n`), 'latin1');
    expect(answer(withTag)).toBe(expected('Multiple To header fields', { to: tagged }));
  });

  it.each([
    ['Max-Forwards', ['Max-Forwards: 0']],
    ['Content-Length', ['Content-Length: 5']],
    ['Content-Type', ['Content-Type: application/sdp', 'c: text/plain']],
    ['Date', ['Date: Sat, 15 Oct 2005 04:44:56 GMT', 'Date: Sat, 15 Oct 2005 04:44:57 GMT']],
  ] as const)('%s twice: 400 naming it, echoing the request fields unchanged (§20)', (name, lines) => {
    const tail = name === 'Content-Length' ? ['Content-Length: 0', ...lines] : [...lines, 'Content-Length: 0'];
    expect(answer(request('', [], tail))).toBe(expected(`Multiple ${name} header fields`));
  });

  it('the fields of a request with a duplicate are read from their first occurrence, in every field at once', () => {
    const bytes = request('CSeq', ['Call-ID: x@y', 'CSeq: 9 INVITE', 'From: <sip:x@y>;tag=2', 'To: <sip:x@y>;tag=3']);
    expect(answer(bytes)).toBe(expected('Multiple Call-ID header fields'));
  });
});
