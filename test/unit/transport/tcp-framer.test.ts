import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TcpFramer, type FramerEvent } from '../../../src/transport/tcp-framer.js';

const limits = { maxHeaderBytes: 4096, maxBodyBytes: 1024 };

/** A minimal OPTIONS request; `cl` is the Content-Length header line, or null to leave it out. */
function request(body = '', cl: string | null = `Content-Length: ${Buffer.byteLength(body)}`): string {
  const headers = [
    'OPTIONS sip:486@example.com SIP/2.0',
    'Via: SIP/2.0/TCP client.example.com;branch=z9hG4bK776asdhds',
    'Call-ID: a84b4c76e66710',
    'CSeq: 1 OPTIONS',
    ...(cl === null ? [] : [cl]),
  ];
  return `${headers.join('\r\n')}\r\n\r\n${body}`;
}

/** What the framer made of the stream, with buffers shown as latin1 text for readable diffs. */
function frame(chunks: readonly (string | Buffer)[], lim = limits): unknown[] {
  const framer = new TcpFramer(() => lim);
  return chunks.flatMap((c) => framer.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c)).map(show);
}

function show(ev: FramerEvent): unknown {
  return 'data' in ev ? { ...ev, data: ev.data.toString('latin1') } : ev;
}

const message = (text: string) => ({ kind: 'message', data: text });

describe('TcpFramer', () => {
  it('frames a message whose body length is given by Content-Length (§18.3)', () => {
    const m = request('v=0\r\n');
    expect(frame([m])).toEqual([message(m)]);
  });

  it('reassembles a message pushed one byte at a time (§18.3)', () => {
    const m = request('hello body');
    expect(frame([...m])).toEqual([message(m)]);
  });

  it('splits several messages coalesced into one chunk (§18.3)', () => {
    const a = request('first');
    const b = request();
    const c = request('third body');
    expect(frame([a + b + c])).toEqual([message(a), message(b), message(c)]);
  });

  it('keeps CRLFCRLF inside a body as body bytes, since Content-Length frames it (§18.3)', () => {
    const m = request('a\r\n\r\nb\r\n\r\n');
    const next = request();
    expect(frame([m + next])).toEqual([message(m), message(next)]);
  });

  it('skips a single CRLF before a message without answering it (§7.5)', () => {
    const m = request();
    expect(frame(['\r\n' + m])).toEqual([message(m)]);
  });

  it('answers a double-CRLF ping with a pong (RFC 5626 §3.5.1)', () => {
    expect(frame(['\r\n\r\n'])).toEqual([{ kind: 'pong' }]);
  });

  it('recognises a ping split byte by byte and between two messages (RFC 5626 §3.5.1)', () => {
    const m = request('x');
    expect(frame([m, '\r', '\n', '\r', '\n', m])).toEqual([message(m), { kind: 'pong' }, message(m)]);
  });

  it('reports the header block of a message over the body limit, then closes (§21.4.11)', () => {
    const head = request('', 'Content-Length: 1025');
    const framer = new TcpFramer(() => limits);
    const events = framer.push(Buffer.from(head + 'x'.repeat(100), 'latin1')).map(show);
    expect(events).toEqual([{ kind: 'oversize', data: head, contentLength: 1025, maxBodyBytes: 1024 }]);
    expect(framer.closed).toBe(true);
    expect(framer.push(Buffer.from(request(), 'latin1'))).toEqual([]);
  });

  it('accepts a body exactly at the limit', () => {
    const m = request('x'.repeat(1024));
    expect(frame([m])).toEqual([message(m)]);
  });

  it('fails when the header block is not terminated within maxHeaderBytes', () => {
    const events = frame(['OPTIONS sip:a@b SIP/2.0\r\n', 'X-Long: ' + 'a'.repeat(200)], { ...limits, maxHeaderBytes: 100 });
    expect(events).toEqual([{ kind: 'error', reason: 'header block exceeds 100 bytes' }]);
  });

  it('fails as soon as maxHeaderBytes is reached even when bytes arrive one at a time', () => {
    const framer = new TcpFramer(() => ({ ...limits, maxHeaderBytes: 50 }));
    const events = [...'X'.repeat(49)].flatMap((c) => framer.push(Buffer.from(c)));
    expect(events).toEqual([]);
    expect(framer.push(Buffer.from('X'))).toEqual([{ kind: 'error', reason: 'header block exceeds 50 bytes' }]);
  });

  it('frames a message without Content-Length with an empty body, leaving the 400 to the core (§20.14)', () => {
    const m = request('', null);
    expect(frame([m + m])).toEqual([message(m), message(m)]);
  });

  describe('reads Content-Length in every legal spelling (§7.3.1, §7.3.3)', () => {
    it.each([
      ['the long form', 'Content-Length: 3'],
      ['the compact form', 'l: 3'],
      ['the upper-case compact form', 'L: 3'],
      ['a mixed-case name', 'cOnTeNt-LeNgTh: 3'],
      ['whitespace around the colon', 'Content-Length \t:\t 3  '],
      ['no whitespace at all', 'content-length:3'],
      ['leading zeros', 'Content-Length: 003'],
      ['a folded value', 'Content-Length:\r\n   3'],
      ['the same value twice', 'l: 3\r\nContent-Length: 3'],
    ])('%s', (_name, line) => {
      const m = request('abc', line);
      expect(frame([m + m])).toEqual([message(m), message(m)]);
    });
  });

  it('ignores headers whose names only resemble Content-Length', () => {
    const m = request('', 'Content-Lengthy: 5\r\nX-Content-Length: 5\r\nLl: 5\r\nContent-Length: 0');
    expect(frame([m])).toEqual([message(m)]);
  });

  describe('loses framing on a Content-Length that is not a non-negative integer', () => {
    it.each([
      ['a negative value', 'Content-Length: -1', 'malformed Content-Length value'],
      ['a fraction', 'Content-Length: 1.5', 'malformed Content-Length value'],
      ['hex digits', 'Content-Length: 0x10', 'malformed Content-Length value'],
      ['two numbers', 'Content-Length: 1 2', 'malformed Content-Length value'],
      ['an empty value', 'Content-Length:  ', 'empty Content-Length value'],
      ['conflicting values', 'Content-Length: 1\r\nl: 2', 'conflicting Content-Length values'],
    ])('%s', (_name, line, reason) => {
      const framer = new TcpFramer(() => limits);
      expect(framer.push(Buffer.from(request('', line), 'latin1'))).toEqual([{ kind: 'error', reason }]);
      expect(framer.closed).toBe(true);
    });
  });

  it('treats an absurdly large Content-Length as over the limit, not as a wrapped number', () => {
    const head = request('', 'Content-Length: 99999999999999999999999999');
    expect(frame([head])).toEqual([{ kind: 'oversize', data: head, contentLength: Infinity, maxBodyBytes: 1024 }]);
  });

  it('hands out messages that stay intact after later pushes', () => {
    const framer = new TcpFramer(() => limits);
    const a = request('first');
    const b = request('second');
    const out = [...a + b].flatMap((c) => framer.push(Buffer.from(c, 'latin1')));
    expect(out.map(show)).toEqual([message(a), message(b)]);
  });

  it('yields the same messages for any partition of a stream of valid messages (§18.3)', () => {
    const body = fc.string({ unit: 'binary-ascii', maxLength: 300 });
    const spelling = fc.constantFrom('Content-Length: ', 'l:', 'content-length :', 'L:   ');
    const msg = fc.tuple(body, spelling).map(([b, s]) => request(b, s + Buffer.byteLength(b, 'latin1')));
    const prefix = fc.constantFrom('', '\r\n');
    const stream = fc.array(fc.tuple(prefix, msg), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 40 }), (items, cuts) => {
        const bytes = Buffer.from(items.map(([p, m]) => p + m).join(''), 'latin1');
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
        const chunks: Buffer[] = [];
        let at = 0;
        for (const p of [...points, bytes.length]) {
          chunks.push(bytes.subarray(at, p));
          at = p;
        }
        const limitsForAll = { maxHeaderBytes: 4096, maxBodyBytes: 4096 };
        expect(frame(chunks, limitsForAll)).toEqual(items.map(([, m]) => message(m)));
      }),
      { numRuns: 300 },
    );
  });
});
