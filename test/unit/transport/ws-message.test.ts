import { describe, expect, it } from 'vitest';
import { sipMessageOf } from '../../../src/transport/ws-message.js';

const msg = (body = ''): string => `OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bK1\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const buf = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('one SIP message per WebSocket message (RFC 7118 §5)', () => {
  it('hands on a frame holding exactly one message, body included', () => {
    expect(sipMessageOf(buf(msg('hello')))).toEqual({ kind: 'message', data: buf(msg('hello')) });
  });

  it('tolerates CRLFs before and after the message (§7.5)', () => {
    expect(sipMessageOf(buf(`\r\n${msg()}\r\n`)).kind).toBe('message');
  });

  it('reports a second message after the Content-Length of the first, with its size', () => {
    expect(sipMessageOf(buf(msg() + msg()))).toEqual({ kind: 'several', extraBytes: msg().length });
  });

  it('leaves a frame without Content-Length or with a bad one to the parser, whole', () => {
    const noLength = 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/WS x.invalid;branch=z9hG4bK1\r\n\r\nbody';
    expect(sipMessageOf(buf(noLength))).toEqual({ kind: 'message', data: buf(noLength) });
    expect(sipMessageOf(buf(msg().replace('Content-Length: 0', 'Content-Length: x'))).kind).toBe('message');
  });

  it('ignores a frame of CRLFs only', () => {
    expect(sipMessageOf(buf('\r\n\r\n'))).toEqual({ kind: 'empty' });
  });
});
