import { describe, expect, it } from 'vitest';
import { ENTRY_OVERHEAD_BYTES, Journal, JournalEntry, RESPONSE_OVERHEAD_BYTES, MAX_RESPONSES, type JournalLimits, type RequestFields } from '../../../src/journal/journal.js';
import { entryJson, select } from '../../../src/journal/query.js';
import { parseJournalQuery } from '../../../src/admin/api/requests.js';
import { buildRequest, type RequestSpec } from '../../helpers/sip-request.js';

/** A request as the core records it: its bytes, and what the core passes beside them. */
function request(spec: RequestSpec & { callId: string }, padTo = 0): { fields: RequestFields; data: Buffer } {
  const method = spec.method ?? 'INVITE';
  const base = { via: 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-j1', from: '<sip:alice@example.com>;tag=a1', to: '<sip:bob@example.com>', uri: 'sip:bob@example.com', ...spec };
  let data = buildRequest(base);
  // Padding in a header field the journal does not read, to give a message an exact size.
  if (padTo > data.length) data = buildRequest({ ...base, headers: { Subject: 'x'.repeat(padTo - data.length - 11) } });
  return { fields: { transport: 'udp', address: '127.0.0.1', port: 5070, method, callId: spec.callId, refused: false }, data };
}

function journal(limits: Partial<JournalLimits> = {}) {
  let t = 1_000;
  const j = new Journal(() => ({ enabled: true, maxEntries: 100, maxBytes: 1 << 20, ...limits }), () => t);
  const rec = (callId: string, spec: RequestSpec = {}, padTo = 0) => {
    const { fields, data } = request({ ...spec, callId }, padTo);
    return new JournalEntry(j, j.record(fields, data));
  };
  return { j, rec, advance: (ms: number) => (t += ms) };
}

const resp486 = Buffer.from('SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n\r\n', 'latin1');

describe('Journal bounds', () => {
  it('drops the oldest past maxEntries and counts each eviction', () => {
    const { j, rec } = journal({ maxEntries: 3 });
    for (let i = 1; i <= 5; i++) rec(`c${i}`, {}, 300);
    expect(j.list().map((e) => e.callId)).toEqual(['c3', 'c4', 'c5']);
    expect(j.evictions).toBe(2);
    expect(j.bytes).toBe(3 * (300 + ENTRY_OVERHEAD_BYTES));
  });

  it('drops the oldest past maxBytes, counting the request, responses and overheads', () => {
    const per = 400 + ENTRY_OVERHEAD_BYTES;
    const { j, rec } = journal({ maxBytes: 2 * per + 10 });
    const a = rec('a', {}, 400);
    rec('b', {}, 400);
    expect(j.bytes).toBe(2 * per);
    // A response to the oldest pushes the total over: the oldest (a) goes, response included.
    j.response(a.id, resp486);
    expect(j.list().map((e) => e.callId)).toEqual(['b']);
    expect(a.gone).toBe(true);
    expect(j.bytes).toBe(per);
    expect(j.evictions).toBe(1);
    // Responses to an entry no longer in the journal are not charged.
    j.response(a.id, resp486);
    expect(j.bytes).toBe(per);
  });

  it('an entry whose bytes the ring overwrites is gone, though within maxBytes', () => {
    const { j, rec } = journal({ maxBytes: 3000 });
    const a = rec('a', {}, 1000);
    const b = rec('b', {}, 1000);
    expect([a.raw.length, b.raw.length, a.callId]).toEqual([1000, 1000, 'a']);
    // 1,100 bytes do not fit in the last 1,000 of the ring: they go at its start, over a and b's first 100.
    const c = rec('c', {}, 1100);
    expect([a.gone, b.gone, c.gone]).toEqual([true, true, false]);
    expect(j.list().map((e) => [e.callId, e.raw.length])).toEqual([['c', 1100]]);
    expect(j.bytes).toBe(1100 + ENTRY_OVERHEAD_BYTES);
    expect(j.evictions).toBe(2);
    expect([a.raw, a.responses.length]).toEqual(['', 0]);
  });

  it('keeps every held entry and response byte for byte across many wraps, exact fits at the end included', () => {
    const { j, rec } = journal({ maxBytes: 4000, maxEntries: 1_000 });
    const sent = new Map<number, { raw: string; response: string | undefined }>();
    const check = () => {
      for (const held of j.list()) {
        const want = sent.get(held.id)!;
        expect(held.raw).toBe(want.raw);
        expect(held.responses.map((r) => r.raw)).toEqual(want.response === undefined ? [] : [want.response]);
      }
    };
    // Requests alone, 1,000 bytes each: the fourth ends exactly at the ring's end, the fifth starts it again.
    for (let i = 0; i < 12; i++) {
      const e = rec(`tile-${i}`, {}, 1000);
      expect(e.raw.length).toBe(1000);
      sent.set(e.id, { raw: e.raw, response: undefined });
      check();
    }
    // Uneven sizes, each answered (a response may take its own request's bytes: then both are gone).
    const sizes = [700, 1300, 999, 1001, 2000, 1500, 333, 3000, 3744, 1234, 250, 2500];
    for (let round = 0; round < 3; round++) {
      for (const [i, size] of sizes.entries()) {
        const e = rec(`r${round}-${i}`, {}, size);
        expect(e.raw.length).toBe(size);
        const response = Buffer.from(`SIP/2.0 486 Busy Here\r\nX-Entry: ${e.id}\r\n\r\n`, 'latin1');
        sent.set(e.id, { raw: e.raw, response: response.toString('latin1') });
        j.response(e.id, response);
        check();
      }
    }
    expect(j.list().length).toBeGreaterThan(0);
  });

  it('a message larger than the ring is not held, and the others stay', () => {
    const { j, rec } = journal({ maxBytes: 2000 });
    rec('small', {}, 500);
    const big = rec('big', {}, 2500);
    expect(big.gone).toBe(true);
    expect(j.list().map((e) => e.callId)).toEqual(['small']);
    expect(j.evictions).toBe(1);
  });

  it('keeps a copy of the bytes, not a view of the buffer received', () => {
    const { j } = journal();
    const { fields, data } = request({ callId: 'copy' });
    const big = Buffer.concat([data, Buffer.from('TRAILING', 'latin1')]);
    const e = new JournalEntry(j, j.record(fields, big.subarray(0, data.length)));
    big.fill(0x41);
    expect(e.raw).toBe(data.toString('latin1'));
    expect(e.callId).toBe('copy');
  });

  it('parses code and reason; an identical resend is a retransmission sharing the bytes', () => {
    const { j, rec, advance } = journal();
    const e = rec('c1');
    j.response(e.id, resp486);
    const before = j.bytes;
    advance(500);
    j.response(e.id, Buffer.from(resp486));
    expect(e.responses.map((r) => [r.time, r.code, r.reason, r.retransmission])).toEqual([
      [1000, 486, 'Busy Here', false],
      [1500, 486, 'Busy Here', true],
    ]);
    expect(e.responses[1]!.raw).toBe(resp486.toString('latin1'));
    expect(e.responses[1]!.at).toBe(e.responses[0]!.at);
    expect(j.bytes - before).toBe(RESPONSE_OVERHEAD_BYTES);
  });

  it('keeps at most MAX_RESPONSES per entry and counts the rest', () => {
    const { j, rec } = journal();
    const e = rec('c1');
    for (let i = 0; i < MAX_RESPONSES + 3; i++) j.response(e.id, resp486);
    expect(e.responses.length).toBe(MAX_RESPONSES);
    expect(e.responsesDropped).toBe(3);
  });

  it('links a retransmission (§17.2.3) to the latest entry of the same request from the same source', () => {
    const { j, rec } = journal();
    const first = rec('c1');
    rec('other');
    const elsewhere = request({ callId: 'c1' });
    j.record({ ...elsewhere.fields, port: 5071 }, elsewhere.data);
    const again = rec('c1');
    j.markRetransmission(again.id);
    expect(again.retransmission).toBe(true);
    expect(again.retransmissionOf).toBe(first.id);
    expect(first.retransmissions).toBe(1);
  });

  it('clear() empties without counting evictions', () => {
    const { j, rec } = journal();
    const e = rec('c1');
    j.clear();
    expect(j.size).toBe(0);
    expect(j.bytes).toBe(0);
    expect(j.evictions).toBe(0);
    expect(e.gone).toBe(true);
    expect(rec('c2').callId).toBe('c2');
  });

  it('a changed journal.maxBytes starts a new ring, dropping what the old one held', () => {
    let maxBytes = 4000;
    const j = new Journal(() => ({ enabled: true, maxEntries: 100, maxBytes }), () => 0);
    const a = request({ callId: 'a' });
    j.record(a.fields, a.data);
    maxBytes = 8000;
    const b = request({ callId: 'b' });
    j.record(b.fields, b.data);
    expect(j.list().map((e) => e.callId)).toEqual(['b']);
    expect(j.evictions).toBe(1);
  });
});

describe('Journal entry fields, read from the bytes', () => {
  it('a parsed request: method, Request-URI and its user, Call-ID, From and To users, CSeq', () => {
    const { rec } = journal();
    const e = rec('f-1', { method: 'OPTIONS', uri: 'sip:carol@example.com', from: '"A" <sip:alice@example.com>;tag=9', to: 'sip:dave@example.com', cseq: 7 });
    expect([e.method, e.ruri, e.ruriUser, e.callId, e.fromUser, e.toUser, e.cseq]).toEqual(['OPTIONS', 'sip:carol@example.com', 'carol', 'f-1', 'alice', 'dave', '7 OPTIONS']);
  });

  it('a method of 13 characters or more is read from the bytes too (§7.1 extension-method), over a stream as well', () => {
    const { j } = journal();
    const { fields, data } = request({ callId: 'f-3', method: 'XEXTENSIONMETHOD' });
    const e = new JournalEntry(j, j.record({ ...fields, transport: 'tcp' }, data));
    expect([e.method, e.callId, e.cseq, e.transport]).toEqual(['XEXTENSIONMETHOD', 'f-3', '1 XEXTENSIONMETHOD', 'tcp']);
    expect(select(j.list(), { method: 'XEXTENSIONMETHOD', callId: 'f-3' }).map((x) => x.id)).toEqual([e.id]);
  });

  it('a refused request: what its refusal kept (§8.1.1.5: a CSeq number is digits)', () => {
    const { j } = journal();
    const { data } = request({ callId: 'f-2', cseq: 'x INVITE' });
    const e = new JournalEntry(j, j.record({ transport: 'udp', address: '127.0.0.1', port: 5070, method: 'INVITE', callId: 'f-2', refused: true }, data));
    expect([e.method, e.ruri, e.ruriUser, e.callId, e.fromUser, e.toUser]).toEqual(['INVITE', 'sip:bob@example.com', 'bob', 'f-2', 'alice', 'bob']);
  });
});

describe('Journal filters', () => {
  function filled() {
    const { j, rec, advance } = journal();
    const a = rec('a', { uri: 'sip:carol@example.com', from: '<sip:alice@example.com>;tag=1', to: '<sip:carol@example.com>' });
    j.response(a.id, Buffer.from('SIP/2.0 100 Trying\r\n\r\n', 'latin1'));
    j.response(a.id, resp486);
    advance(1000);
    rec('b', { method: 'OPTIONS', uri: 'sip:dave@example.com', from: '<sip:erin@example.com>;tag=2', to: '<sip:dave@example.com>' });
    advance(1000);
    const c = rec('c', { uri: 'sip:frank@example.com', from: '<sip:carol@example.com>;tag=3', to: '<sip:frank@example.com>' });
    j.response(c.id, Buffer.from('SIP/2.0 404 Not Found\r\n\r\n', 'latin1'));
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
    const { j, rec } = journal();
    const e = rec('c1');
    j.response(e.id, resp486);
    j.answered(e.id, 'user');
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
      raw: request({ callId: 'c1' }).data.toString('latin1'),
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
