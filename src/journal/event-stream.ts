/**
 * GET /api/events: journal entries as Server-Sent Events (WHATWG HTML, "Server-sent events"), one
 * serialization per event shared by every client. A client that does not keep up gets a bounded
 * backlog (by count and bytes); past it the oldest queued events are dropped and the client is
 * told how many with an `event: dropped`. Comment-line heartbeats keep idle connections alive
 * through proxies. The hub listens to the journal only while it has clients.
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Journal, JournalEntry } from './journal.js';
import { entryJson } from './query.js';

/** What the hub writes to: an HTTP response, as far as it needs one. */
export interface SseSink {
  /** False when the sink's buffer is full: wait for 'drain' before writing more. */
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(): void;
}

export interface SseOptions {
  readonly heartbeatMs: number;
  readonly maxBacklog: number;
  readonly maxBacklogBytes: number;
  /** Clients at once; past it add() refuses (the API answers 503). */
  readonly maxClients: number;
}

export const SSE_DEFAULTS: SseOptions = { heartbeatMs: 15_000, maxBacklog: 256, maxBacklogBytes: 1 << 20, maxClients: 32 };

interface Client {
  readonly sink: SseSink;
  readonly queue: { chunk: string; bytes: number }[];
  queuedBytes: number;
  waiting: boolean;
  dropped: number;
}

/** One event: `event:` request (received and handled) or update (a later response, the rule). */
export function formatEvent(entry: JournalEntry, kind: 'request' | 'update'): string {
  return `id: ${entry.id}\nevent: ${kind}\ndata: ${JSON.stringify(entryJson(entry))}\n\n`;
}

/** Events formatted elsewhere (workers: the primary's merge of every worker's journal, src/cluster/). */
export interface EventChunks {
  subscribeChunks(listener: (chunk: string) => void): () => void;
}

export class SseHub {
  private readonly clients = new Set<Client>();
  private unsubscribe: (() => void) | undefined;
  private heartbeat: TimerHandle | undefined;

  constructor(
    private readonly journal: Journal | EventChunks,
    private readonly clock: Clock,
    private readonly opts: SseOptions = SSE_DEFAULTS,
  ) {}

  get size(): number {
    return this.clients.size;
  }

  /** Events waiting for slow clients, in bytes (each client's at most maxBacklogBytes). */
  get backlogBytes(): number {
    let n = 0;
    for (const c of this.clients) n += c.queuedBytes;
    return n;
  }

  /** Start sending events to `sink`; undefined when full. The function returned removes it. */
  add(sink: SseSink): (() => void) | undefined {
    if (this.clients.size >= this.opts.maxClients) return undefined;
    const client: Client = { sink, queue: [], queuedBytes: 0, waiting: false, dropped: 0 };
    this.clients.add(client);
    const source = this.journal;
    this.unsubscribe ??=
      'subscribeChunks' in source ? source.subscribeChunks((chunk) => this.broadcast(chunk)) : source.subscribe((entry, kind) => this.broadcast(formatEvent(entry, kind)));
    if (this.heartbeat === undefined) this.scheduleHeartbeat();
    return () => this.remove(client);
  }

  /** End every client (server shutdown). */
  close(): void {
    for (const c of [...this.clients]) {
      this.remove(c);
      c.sink.end();
    }
  }

  private remove(client: Client): void {
    if (!this.clients.delete(client)) return;
    client.queue.length = 0;
    if (this.clients.size > 0) return;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.heartbeat !== undefined) this.clock.clearTimer(this.heartbeat);
    this.heartbeat = undefined;
  }

  private scheduleHeartbeat(): void {
    this.heartbeat = this.clock.setTimer(() => {
      this.heartbeat = undefined;
      if (this.clients.size === 0) return;
      // A client with a backlog is not idle; the comment would only queue behind it.
      for (const c of this.clients) if (!c.waiting) this.send(c, ': heartbeat\n\n');
      this.scheduleHeartbeat();
    }, this.opts.heartbeatMs);
  }

  private broadcast(chunk: string): void {
    let bytes = -1;
    for (const c of this.clients) {
      if (!c.waiting) this.send(c, chunk);
      else {
        if (bytes < 0) bytes = Buffer.byteLength(chunk);
        this.enqueue(c, chunk, bytes);
      }
    }
  }

  private send(c: Client, chunk: string): void {
    if (c.sink.write(chunk)) return;
    c.waiting = true;
    c.sink.once('drain', () => this.flush(c));
  }

  private enqueue(c: Client, chunk: string, bytes: number): void {
    c.queue.push({ chunk, bytes });
    c.queuedBytes += bytes;
    while (c.queue.length > this.opts.maxBacklog || c.queuedBytes > this.opts.maxBacklogBytes) {
      c.queuedBytes -= c.queue.shift()!.bytes;
      c.dropped++;
    }
  }

  private flush(c: Client): void {
    c.waiting = false;
    if (!this.clients.has(c)) return;
    if (c.dropped > 0) {
      const notice = `event: dropped\ndata: {"dropped":${c.dropped}}\n\n`;
      c.dropped = 0;
      this.send(c, notice);
    }
    while (!c.waiting && c.queue.length > 0) {
      const { chunk, bytes } = c.queue.shift()!;
      c.queuedBytes -= bytes;
      this.send(c, chunk);
    }
  }
}
