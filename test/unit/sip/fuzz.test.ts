/**
 * Mutation fuzzing of parseMessage: whatever bytes arrive, it returns one of the three outcomes,
 * never throws, and a reject carries a status it may send with a one-line reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../../src/sip/parse.js';
import type { ParseOutcome } from '../../../src/sip/parse-outcome.js';
import { torture } from './fixtures/rfc4475.js';
import { LIMITS, sipRequest } from './fixtures/request-builder.js';

const SEEDS: readonly Buffer[] = [
  sipRequest({ body: 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n' }),
  sipRequest({ headers: ['v: SIP/2.0/UDP [::1]:5060;branch=z9hG4bK1;rport, SIP/2.0/TCP h', 'f: "A \\"q\\"" <sip:a@h>;tag=1', 't: sip:b@h', 'i: x@y', 'CSeq: 1 INVITE', 'm: *'] }),
  torture('wsinv'),
  torture('intmeth'),
  torture('esc01'),
  torture('longreq'),
  torture('mpart01'),
];

const INSERTS = ['\r', '\n', '\r\n', '\r\n\r\n', '\0', '"', '<', '>', ',', ';', ':', ' ', '\t', '%', '\\', '[', ']', '99999999999999999999', 'Via: ', '\r\n '];

/** One edit of a message: a byte flip, a cut, an insertion, a duplicated or dropped line. */
const mutation = fc.oneof(
  fc.tuple(fc.constant('flip' as const), fc.nat(), fc.integer({ min: 0, max: 255 })),
  fc.tuple(fc.constant('truncate' as const), fc.nat(), fc.constant(0)),
  fc.tuple(fc.constant('insert' as const), fc.nat(), fc.nat(INSERTS.length - 1)),
  fc.tuple(fc.constant('duplicate-line' as const), fc.nat(), fc.nat(3)),
  fc.tuple(fc.constant('drop-line' as const), fc.nat(), fc.constant(0)),
  fc.tuple(fc.constant('huge-number' as const), fc.nat(), fc.constant(0)),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function apply(data: Buffer, [kind, at, arg]: Mutation): Buffer {
  const i = data.length === 0 ? 0 : at % data.length;
  switch (kind) {
    case 'flip': {
      const out = Buffer.from(data);
      if (out.length > 0) out[i] = arg;
      return out;
    }
    case 'truncate':
      return data.subarray(0, i);
    case 'insert':
      return Buffer.concat([data.subarray(0, i), Buffer.from(INSERTS[arg] ?? '', 'latin1'), data.subarray(i)]);
    case 'huge-number': {
      // Replace the first run of digits at or after i by an overlong number.
      const s = data.toString('latin1');
      const m = /\d+/.exec(s.slice(i));
      if (m === null) return data;
      const start = i + m.index;
      return Buffer.from(s.slice(0, start) + '9'.repeat(40) + s.slice(start + m[0].length), 'latin1');
    }
    default: {
      const lines = data.toString('latin1').split('\r\n');
      const l = at % lines.length;
      if (kind === 'drop-line') lines.splice(l, 1);
      else lines.splice(l, 0, ...Array<string>(arg + 1).fill(lines[l] ?? ''));
      return Buffer.from(lines.join('\r\n'), 'latin1');
    }
  }
}

function checkOutcome(o: ParseOutcome): void {
  expect(['request', 'reject', 'drop']).toContain(o.kind);
  if (o.kind === 'reject') {
    expect([400, 413, 414, 505]).toContain(o.status);
    expect(o.reason.length).toBeGreaterThan(0);
    expect(o.reason).not.toMatch(/[\r\n]/);
    // Whatever is copied into the response must not smuggle a line break either (§8.2.6.2).
    for (const v of [o.basis.from, o.basis.to, o.basis.callId, o.basis.cseq, ...o.basis.via]) {
      if (v !== undefined) expect(v).not.toMatch(/[\r\n]/);
    }
  }
  if (o.kind === 'request') {
    expect(o.request.cseq.method).toBe(o.request.method);
    expect(o.request.via.length).toBeGreaterThan(0);
  }
}

describe('parseMessage under mutation (fuzz)', () => {
  it('always returns request, reject (400/413/414/505 with a one-line reason) or drop, for UDP and streams', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.boolean(), (seed, edits, stream) => {
        const data = edits.reduce(apply, seed);
        checkOutcome(parseMessage(data, LIMITS, stream));
      }),
      { numRuns: 2000 },
    );
  });

  it('survives arbitrary bytes, including ones that look like a start line', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom('', 'INVITE sip:a@b SIP/2.0\r\n', 'SIP/2.0 200 OK\r\n'), (bytes, prefix) => {
        checkOutcome(parseMessage(Buffer.concat([Buffer.from(prefix), bytes]), LIMITS, false));
      }),
      { numRuns: 1000 },
    );
  });

  it('stays linear on hostile repetition: 6,000 header lines or a 60 kB value parse in bounded time', () => {
    const many = sipRequest({ headers: [...Array<string>(6000).fill('X: ;;;;;;;,,,,'), 'Via: SIP/2.0/UDP h;branch=z9hG4bK1'] });
    const quote = sipRequest({ headers: ['Via: SIP/2.0/UDP h;branch=z9hG4bK1', `To: "${'\\"'.repeat(30000)} <sip:a@b>`] });
    const semis = sipRequest({ headers: [`Via: SIP/2.0/UDP h${';a'.repeat(30000)}`] });
    for (const data of [many, quote, semis]) {
      const t0 = process.hrtime.bigint();
      checkOutcome(parseMessage(data, { ...LIMITS, maxBodyBytes: 1 << 20 }, false));
      expect(Number(process.hrtime.bigint() - t0) / 1e6).toBeLessThan(1000);
    }
  });
});
