/**
 * The filters of GET /api/requests and /api/requests/count (README, "Control plane"), and the JSON
 * shape of one journal entry, shared by the API and GET /api/events.
 */
import { callIdKey, type JournalEntry, type JournalResponse } from './journal.js';

export interface JournalQuery {
  readonly callId?: string | undefined;
  readonly method?: string | undefined;
  /** The user part of the Request-URI, From or To. */
  readonly user?: string | undefined;
  /** The code of the first final response (§7.2: 200–699). */
  readonly code?: number | undefined;
  /** Epoch ms: entries received at or after. */
  readonly since?: number | undefined;
  /** At most this many, the oldest matching first. */
  readonly limit?: number | undefined;
}

export function finalCode(entry: JournalEntry): number | undefined {
  for (const r of entry.responses) if (r.code >= 200) return r.code;
  return undefined;
}

// The tests that need no parse first: Call-ID and the users are read again from the entry's bytes.
export function matches(entry: JournalEntry, q: JournalQuery): boolean {
  if (q.since !== undefined && entry.time < q.since) return false;
  if (q.method !== undefined && entry.method !== q.method) return false;
  if (q.code !== undefined && finalCode(entry) !== q.code) return false;
  if (q.callId !== undefined && entry.callId !== q.callId) return false;
  if (q.user !== undefined && entry.ruriUser !== q.user && entry.fromUser !== q.user && entry.toUser !== q.user) return false;
  return true;
}

/** The matching entries, oldest first, at most `limit`. */
export function select(entries: readonly JournalEntry[], q: JournalQuery): JournalEntry[] {
  const out: JournalEntry[] = [];
  const limit = q.limit ?? Number.POSITIVE_INFINITY;
  // An entry whose Call-ID hashes otherwise is passed over without parsing its bytes.
  const key = q.callId === undefined ? undefined : callIdKey(q.callId);
  for (const e of entries) {
    if (out.length >= limit) break;
    if (key !== undefined && e.key !== key) continue;
    if (matches(e, q)) out.push(e);
  }
  return out;
}

export interface ResponseJson {
  time: string;
  code: number;
  reason: string;
  raw: string;
  retransmission: boolean;
}

export interface EntryJson {
  id: number;
  time: string;
  transport: string;
  source: { address: string; port: number };
  method: string;
  ruri: string | null;
  callId: string | null;
  fromUser: string | null;
  toUser: string | null;
  cseq: string | null;
  /** The request's bytes, one character per byte (latin1): lossless, and SIP's text stays readable. */
  raw: string;
  rule: string | null;
  responses: ResponseJson[];
  retransmission: boolean;
  retransmissionOf: number | null;
  retransmissions: number;
  absorbed: boolean;
  responsesDropped: number;
}

function responseJson(r: JournalResponse): ResponseJson {
  return { time: new Date(r.time).toISOString(), code: r.code, reason: r.reason, raw: r.raw, retransmission: r.retransmission };
}

export function entryJson(e: JournalEntry): EntryJson {
  return {
    id: e.id,
    time: new Date(e.time).toISOString(),
    transport: e.transport,
    source: { address: e.address, port: e.port },
    method: e.method,
    ruri: e.ruri ?? null,
    callId: e.callId ?? null,
    fromUser: e.fromUser ?? null,
    toUser: e.toUser ?? null,
    cseq: e.cseq ?? null,
    raw: e.raw,
    rule: e.rule ?? null,
    responses: e.responses.map(responseJson),
    retransmission: e.retransmission,
    retransmissionOf: e.retransmissionOf ?? null,
    retransmissions: e.retransmissions,
    absorbed: e.absorbed,
    responsesDropped: e.responsesDropped,
  };
}
