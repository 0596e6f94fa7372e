/**
 * The journal's part of the control plane (README, "Control plane" → "Request journal"):
 *   GET    /api/requests?callId=&method=&user=&code=&since=&limit=  → {"requests": [entry…]}
 *   GET    /api/requests/count?…same filters…                        → {"count": N}
 *   DELETE /api/requests                                              → {"deleted": N}
 *   GET    /api/events                                                → text/event-stream of entries
 * Query parameters are validated (zod); a bad or unknown one is a 400 naming it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { SseHub } from '../../journal/event-stream.js';
import type { Journal } from '../../journal/journal.js';
import { entryJson, select, type JournalQuery } from '../../journal/query.js';
import { systemClock } from '../../util/clock.js';

// §25.1: Method = token.
const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const EPOCH_MS = /^\d{1,15}$/;

const querySchema = z
  .object({
    callId: z.string().min(1).max(1024).optional(),
    method: z.string().max(64).regex(TOKEN, 'must be a SIP method (a token, RFC 3261 §25.1)').optional(),
    user: z.string().min(1).max(1024).optional(),
    code: z.string().regex(/^[1-6]\d\d$/, 'must be a status code, 100 to 699').transform(Number).optional(),
    since: z
      .string()
      .refine((s) => (EPOCH_MS.test(s) || ISO_TIME.test(s)) && !Number.isNaN(EPOCH_MS.test(s) ? Number(s) : Date.parse(s)), 'must be an ISO 8601 date-time or epoch milliseconds')
      .transform((s) => (EPOCH_MS.test(s) ? Number(s) : Date.parse(s)))
      .optional(),
    limit: z.string().regex(/^[1-9]\d{0,8}$/, 'must be a whole number from 1').transform(Number).optional(),
  })
  .strict();

const hubs = new WeakMap<Journal, SseHub>();

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The filters, or the problems: one per bad parameter, named. */
export function parseJournalQuery(params: URLSearchParams): { query: JournalQuery } | { problems: { parameter: string; message: string }[] } {
  const raw: Record<string, string> = {};
  const problems: { parameter: string; message: string }[] = [];
  for (const [k, v] of params) {
    if (k in raw) problems.push({ parameter: k, message: 'given more than once' });
    raw[k] = v;
  }
  const parsed = querySchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push({ parameter: key, message: 'unknown parameter (callId, method, user, code, since, limit)' });
      } else {
        problems.push({ parameter: String(issue.path[0] ?? ''), message: issue.message });
      }
    }
  }
  if (problems.length > 0 || !parsed.success) return { problems };
  return { query: parsed.data };
}

function withQuery(res: ServerResponse, url: URL, then: (q: JournalQuery) => void): void {
  const r = parseJournalQuery(url.searchParams);
  if ('problems' in r) {
    sendJson(res, 400, { error: `bad query parameter: ${r.problems.map((p) => p.parameter).join(', ')}`, problems: r.problems });
    return;
  }
  then(r.query);
}

function events(req: IncomingMessage, res: ServerResponse, journal: Journal): void {
  let hub = hubs.get(journal);
  if (hub === undefined) {
    hub = new SseHub(journal, systemClock);
    hubs.set(journal, hub);
  }
  serveEvents(req, res, hub);
}

/** GET /api/events from `hub` (workers: a hub over every worker's journal, src/cluster/). */
export function serveEvents(req: IncomingMessage, res: ServerResponse, hub: SseHub): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  const remove = hub.add(res);
  if (remove === undefined) {
    res.end('event: error\ndata: {"error":"too many event clients"}\n\n');
    return;
  }
  res.write(': journal events\n\n');
  // A closed client is freed at once: its backlog and its place.
  req.socket.setTimeout(0);
  res.on('close', remove);
}

export function handleJournalApi(req: IncomingMessage, res: ServerResponse, url: URL, journal: Journal): Promise<boolean> {
  const path = url.pathname;
  const method = req.method ?? 'GET';
  if (path === '/api/events') {
    if (method !== 'GET') sendJson(res, 405, { error: 'use GET' }, { Allow: 'GET' });
    else events(req, res, journal);
    return Promise.resolve(true);
  }
  if (path === '/api/requests') {
    if (method === 'GET') withQuery(res, url, (q) => sendJson(res, 200, { requests: select(journal.list(), q).map(entryJson) }));
    else if (method === 'DELETE') {
      const deleted = journal.size;
      journal.clear();
      sendJson(res, 200, { deleted });
    } else sendJson(res, 405, { error: 'use GET or DELETE' }, { Allow: 'GET, DELETE' });
    return Promise.resolve(true);
  }
  if (path === '/api/requests/count') {
    if (method === 'GET') withQuery(res, url, (q) => sendJson(res, 200, { count: select(journal.list(), q).length }));
    else sendJson(res, 405, { error: 'use GET' }, { Allow: 'GET' });
    return Promise.resolve(true);
  }
  return Promise.resolve(false);
}
