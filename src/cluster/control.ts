/**
 * The control plane and /metrics of the primary (README, "Workers"): stubs and scenarios on its
 * authoritative copy, each write answered once every worker holds it; the journal paths answered
 * from every worker's journal, merged; metrics summed over the workers, plus the primary's own.
 *
 * Journal ids stay numbers and unique across workers: a worker's id × MAX_WORKERS + its index, so
 * the id alone says which worker's entry it is. Every merged entry also says so in `worker`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AggregatorRegistry, Registry } from 'prom-client';
import { sendError, HttpError, sendJson } from '../admin/api/http.js';
import type { Listeners } from '../admin/api/pcap.js';
import { sendPcap } from '../admin/api/pcap.js';
import { parseJournalQuery, serveEvents } from '../admin/api/requests.js';
import type { ControlPlane } from '../admin/api/router.js';
import { MAX_WORKERS, type Config } from '../config/schema.js';
import { SseHub } from '../journal/event-stream.js';
import { Journal } from '../journal/journal.js';
import type { EntryJson, JournalQuery } from '../journal/query.js';
import { systemClock } from '../util/clock.js';
import type { Hub } from './hub.js';

export type MergedEntry = EntryJson & { readonly worker: number };

export function globalId(id: number, index: number): number {
  return id * MAX_WORKERS + index;
}

/** A worker's entry as the primary shows it. */
export function fromWorker(e: EntryJson, index: number): MergedEntry {
  const retransmissionOf = e.retransmissionOf === null ? null : globalId(e.retransmissionOf, index);
  return { ...e, id: globalId(e.id, index), retransmissionOf, worker: index };
}

/** Every worker's matching entries, oldest first (ties by id), at most `limit`. */
export function mergeEntries(replies: ReadonlyMap<number, unknown>, limit = Number.POSITIVE_INFINITY): MergedEntry[] {
  const all: MergedEntry[] = [];
  for (const [index, body] of replies) if (Array.isArray(body)) for (const e of body as EntryJson[]) all.push(fromWorker(e, index));
  all.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id - b.id));
  return all.length > limit ? all.slice(0, limit) : all;
}

function sum(replies: ReadonlyMap<number, unknown>): number {
  let n = 0;
  for (const v of replies.values()) if (typeof v === 'number') n += v;
  return n;
}

export interface ClusterControlDeps {
  readonly hub: Hub;
  readonly config: () => Readonly<Config>;
  readonly listeners: () => Listeners;
}

/** The journal paths over every worker (the single-process ones are in admin/api/requests.ts, pcap.ts). */
function journalApi(hub: Hub, listeners: () => Listeners): ControlPlane['journalApi'] {
  const events = new SseHub(
    {
      subscribeChunks: (listener) =>
        hub.onEvents((kind, entry, index) => {
          const e = fromWorker(entry, index);
          listener(`id: ${e.id}\nevent: ${kind}\ndata: ${JSON.stringify(e)}\n\n`);
        }),
    },
    systemClock,
  );
  const query = (res: ServerResponse, url: URL): JournalQuery | undefined => {
    const r = parseJournalQuery(url.searchParams);
    if ('query' in r) return r.query;
    sendJson(res, 400, { error: `bad query parameter: ${r.problems.map((p) => p.parameter).join(', ')}`, problems: r.problems });
    return undefined;
  };
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const only = (...allowed: string[]): boolean => {
      if (allowed.includes(method)) return true;
      sendError(res, new HttpError(405, `use ${allowed.join(' or ')}`));
      return false;
    };
    if (path === '/api/events') {
      if (only('GET')) serveEvents(req, res, events);
      return true;
    }
    if (path === '/api/requests.pcap') {
      if (only('GET', 'HEAD')) sendPcap(res, mergeEntries(await hub.ask({ kind: 'list', query: {} })), listeners());
      return true;
    }
    if (path === '/api/requests') {
      if (method === 'DELETE') {
        sendJson(res, 200, { deleted: sum(await hub.ask({ kind: 'clear' })) });
        return true;
      }
      const q = only('GET', 'DELETE') ? query(res, url) : undefined;
      if (q !== undefined) sendJson(res, 200, { requests: mergeEntries(await hub.ask({ kind: 'list', query: q }), q.limit) });
      return true;
    }
    if (path === '/api/requests/count') {
      const q = only('GET') ? query(res, url) : undefined;
      if (q !== undefined) sendJson(res, 200, { count: sum(await hub.ask({ kind: 'count', query: q })) });
      return true;
    }
    return false;
  };
}

export function clusterControl(deps: ClusterControlDeps): ControlPlane {
  const { hub } = deps;
  // The primary records nothing itself; this journal only fills the type's place.
  const journal = new Journal(() => ({ ...deps.config().journal, enabled: false }));
  return {
    stubs: hub.state.stubs,
    journal,
    config: deps.config,
    resetRegistrations: () => void hub.reset(),
    listeners: deps.listeners,
    journalApi: journalApi(hub, deps.listeners),
    settled: () => hub.settled(),
    sync: () => hub.sync(),
    reset: () => hub.reset(),
  };
}

/**
 * /metrics of the primary: every worker's registry (asked over IPC) and the primary's own, merged by
 * prom-client's aggregation (counters and gauges summed; each default process metric by its own rule).
 */
export class ClusterRegistry extends Registry {
  constructor(
    private readonly hub: Hub,
    private readonly own: Registry,
  ) {
    super();
  }

  override async metrics(): Promise<string> {
    const replies = await this.hub.ask({ kind: 'metrics' });
    type Part = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
    const parts: Part[] = [];
    for (const body of replies.values()) if (Array.isArray(body)) parts.push(body as Part);
    parts.push(await this.own.getMetricsAsJSON());
    return AggregatorRegistry.aggregate(parts).metrics();
  }
}
