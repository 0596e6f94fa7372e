import { describe, expect, it } from 'vitest';
import { ENTRY_OVERHEAD_BYTES, Journal, RESPONSE_OVERHEAD_BYTES, MAX_RESPONSES, type JournalLimits, type RequestFields } from '../../../src/journal/journal.js';
import { entryJson, select } from '../../../src/journal/query.js';
import { parseJournalQuery } from '../../../src/admin/api/requests.js';

function fields(over: Partial<RequestFields> = {}): RequestFields {
  return {
    transport: 'udp',
    address: '127.0.0.1',
    port: 5070,
    method: 'INVITE',
    ruri: 'sip:bob@example.com',
    ruriUser: 'bob',
    callId: 'c1',
    fromUser: 'alice',
    toUser: 'bob',
    cseq: '1 INVITE',
    ...over,
  };
}

function journal(limits: Partial<JournalLimits> = {}) {
  let t = 1_000;
  const j = new Journal(() => ({ enabled: true, maxEntries: 100, maxBytes: 1 << 20, ...limits }), () => t);
  return { j, advance: (ms: number) => (t += ms) };
}

const req = (n: number) => Buffer.from('x'.repeat(n), 'latin1');
const resp486 = Buffer.from('SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n\r\n', 'latin1');

describe('Journal bounds', () => {
  it('drops the oldest past maxEntries and counts each eviction', () => {
    const { j } = journal({ maxEntries: 3 });
    for (let i = 1; i <= 5; i++) j.record(fields({ callId: `c${i}` }), req(10));
    expect(j.list().map((e) => e.callId)).toEqual(['c3', 'c4', 'c5']);
    expect(j.evictions).toBe(2);
    expect(j.bytes).toBe(3 * (2 * 10 + ENTRY_OVERHEAD_BYTES));
  });

  it('drops the oldest past maxBytes, counting the request twice, responses and overheads', () => {
    const per = 2 * 100 + ENTRY_OVERHEAD_BYTES; // 456
    const { j } = journal({ maxBytes: 2 * per + 10 });
    const a = j.record(fields({ callId: 'a' }), req(100));
    j.record(fields({ callId: 'b' }), req(100));
    expect(j.bytes).toBe(2 * per);
    // A response to the oldest pushes the total over: the oldest (a) goes, response included.
    j.response(a, resp486);
    expect(j.list().map((e) => e.callId)).toEqual(['b']);
    expect(a.gone).toBe(true);
    expect(j.bytes).toBe(per);
    expect(j.evictions).toBe(1);
    // Responses to an entry no longer in the journal are not charged.
    j.response(a, resp486);
    expect(j.bytes).toBe(per);
  });

  it('keeps a copy of the bytes, not a view of the buffer received', () => {
    const { j } = journal();
    const big = Buffer.from('INVITE sip:bob@x SIP/2.0\r\n\r\nTRAILING', 'latin1');
    const view = big.subarray(0, 28);
    const e = j.record(fields(), view);
    big.fill(0x41);
    expect(e.raw).toBe('INVITE sip:bob@x SIP/2.0\r\n\r\n');
  });

  it('parses code and reason; an identical resend is a retransmission sharing the bytes', () => {
    const { j, advance } = journal();
    const e = j.record(fields(), req(10));
    j.response(e, resp486);
    const before = j.bytes;
    advance(500);
    j.response(e, Buffer.from(resp486));
    expect(e.responses.map((r) => [r.time, r.code, r.reason, r.retransmission])).toEqual([
      [1000, 486, 'Busy Here', false],
      [1500, 486, 'Busy Here', true],
    ]);
    expect(e.responses[1]!.raw).toBe(e.responses[0]!.raw);
    expect(j.bytes - before).toBe(RESPONSE_OVERHEAD_BYTES);
  });

  it('keeps at most MAX_RESPONSES per entry and counts the rest', () => {
    const { j } = journal();
    const e = j.record(fields(), req(10));
    for (let i = 0; i < MAX_RESPONSES + 3; i++) j.response(e, resp486);
    expect(e.responses.length).toBe(MAX_RESPONSES);
    expect(e.responsesDropped).toBe(3);
  });

  it('links a retransmission to the latest entry of the same request and counts it there', () => {
    const { j } = journal();
    const first = j.record(fields(), req(10));
    j.record(fields({ callId: 'other' }), req(10));
    const again = j.record(fields(), req(10));
    j.markRetransmission(again);
    expect(again.retransmission).toBe(true);
    expect(again.retransmissionOf).toBe(first.id);
    expect(first.retransmissions).toBe(1);
  });

  it('clear() empties without counting evictions', () => {
    const { j } = journal();
    const e = j.record(fields(), req(10));
    j.clear();
    expect(j.size).toBe(0);
    expect(j.bytes).toBe(0);
    expect(j.evictions).toBe(0);
    expect(e.gone).toBe(true);
  });
});

describe('Journal filters', () => {
  function filled() {
    const { j, advance } = journal();
    const a = j.record(fields({ callId: 'a', method: 'INVITE', ruriUser: 'carol', fromUser: 'alice', toUser: 'carol' }), req(10));
    j.response(a, Buffer.from('SIP/2.0 100 Trying\r\n\r\n', 'latin1'));
    j.response(a, resp486);
    advance(1000);
    j.record(fields({ callId: 'b', method: 'OPTIONS', ruriUser: 'dave', fromUser: 'erin', toUser: 'dave', cseq: '1 OPTIONS' }), req(10));
    advance(1000);
    const c = j.record(fields({ callId: 'c', method: 'INVITE', ruriUser: 'frank', fromUser: 'carol', toUser: 'frank' }), req(10));
    j.response(c, Buffer.from('SIP/2.0 404 Not Found\r\n\r\n', 'latin1'));
    return j;
  }
  const ids = (j: Journal, q: Parameters<typeof select>[1]) => select(j.list(), q).map((e) => e.callId);

  it('by callId, method, user (Request-URI, From or To), final code', () => {
    const j = filled();
    expect(ids(j, { callId: 'b' })).toEqual(['b']);
    expect(ids(j, { method: 'INVITE' })).toEqual(['a', 'c']);
    expect(ids(j, { user: 'carol' })).toEqual(['a', 'c']);
    expect(ids(j, { user: 'dave' })).toEqual(['b']);
    expect(ids(j, { code: 486 })).toEqual(['a']);
    expect(ids(j, { code: 100 })).toEqual([]);
    expect(ids(j, { method: 'INVITE', code: 404 })).toEqual(['c']);
  });

  it('since (inclusive, epoch ms) and limit (oldest first)', () => {
    const j = filled();
    expect(ids(j, { since: 2000 })).toEqual(['b', 'c']);
    expect(ids(j, { since: 2001 })).toEqual(['c']);
    expect(ids(j, { limit: 2 })).toEqual(['a', 'b']);
    expect(ids(j, { since: 2000, limit: 1 })).toEqual(['b']);
  });

  it('query parameters: ISO or epoch since, bad and unknown ones named', () => {
    const ok = parseJournalQuery(new URLSearchParams('since=1970-01-01T00:00:02Z&code=486&limit=5&user=carol&method=INVITE&callId=a'));
    expect(ok).toEqual({ query: { since: 2000, code: 486, limit: 5, user: 'carol', method: 'INVITE', callId: 'a' } });
    expect(parseJournalQuery(new URLSearchParams('since=2000'))).toEqual({ query: { since: 2000 } });
    const bad = parseJournalQuery(new URLSearchParams('code=99&limit=0&since=yesterday&method=IN%20VITE&colour=red&user=a&user=b'));
    expect('problems' in bad && bad.problems.map((p) => p.parameter).sort()).toEqual(['code', 'colour', 'limit', 'method', 'since', 'user']);
  });

  it('the JSON shape of an entry', () => {
    const { j } = journal();
    const e = j.record(fields(), Buffer.from('INVITE sip:bob@example.com SIP/2.0\r\n\r\n', 'latin1'));
    j.response(e, resp486);
    j.answered(e, 'user');
    expect(entryJson(e)).toEqual({
      id: 1,
      time: '1970-01-01T00:00:01.000Z',
      transport: 'udp',
      source: { address: '127.0.0.1', port: 5070 },
      method: 'INVITE',
      ruri: 'sip:bob@example.com',
      callId: 'c1',
      fromUser: 'alice',
      toUser: 'bob',
      cseq: '1 INVITE',
      raw: 'INVITE sip:bob@example.com SIP/2.0\r\n\r\n',
      rule: 'user',
      responses: [{ time: '1970-01-01T00:00:01.000Z', code: 486, reason: 'Busy Here', raw: resp486.toString('latin1'), retransmission: false }],
      retransmission: false,
      retransmissionOf: null,
      retransmissions: 0,
      absorbed: false,
      responsesDropped: 0,
    });
  });
});
