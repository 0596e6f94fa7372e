/**
 * The primary's side of the IPC channel (docs/ARCHITECTURE.md, "Workers"): it orders every change to
 * the shared state, applies it to its own authoritative copy, sends it to every worker and settles
 * once every worker applied it; and it asks every worker a query and gathers the answers.
 *
 * A worker counts for a change from the moment it was given its snapshot (`init`): the snapshot and
 * every later `apply` travel the same channel, in order. One that exits stops counting, so a change
 * never waits for the dead; each wait is bounded besides.
 */
import type { Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { EntryJson } from '../journal/query.js';
import type { Query, ToWorker } from './messages.js';
import { SharedState, type StateOp } from './shared-state.js';
import type { StubInput } from '../stubs/stub-schema.js';

/** A change or query not answered by every worker by then is settled with what arrived. */
export const WAIT_MS = 5000;

export interface Member {
  readonly index: number;
  readonly worker: Worker;
}

interface Wait {
  readonly left: Set<number>;
  readonly replies: Map<number, unknown>;
  readonly done: (replies: Map<number, unknown>) => void;
}

export type EventListener = (kind: 'request' | 'update', entry: EntryJson, index: number) => void;

export class Hub {
  /** Workers given their snapshot and not exited, by index. */
  private readonly members = new Map<number, Member>();
  private readonly changes = new Map<number, Wait>();
  private readonly queries = new Map<number, Wait>();
  private seq = 0;
  private rid = 0;
  /** Settles once every change made so far (by the API) is held by every worker. */
  private lastChange: Promise<void> = Promise.resolve();
  private readonly eventListeners = new Set<EventListener>();
  readonly state: SharedState;

  constructor(
    rules: () => readonly StubInput[],
    private readonly logger: Logger,
  ) {
    // Changes made here (the API's) go to every worker; the API answers after `settled()`.
    this.state = new SharedState((op) => this.track(this.broadcast(op)), rules);
  }

  private track(p: Promise<void>): Promise<void> {
    this.lastChange = Promise.all([this.lastChange, p]).then(() => undefined);
    return p;
  }

  settled(): Promise<void> {
    return this.lastChange;
  }

  join(m: Member): void {
    this.members.set(m.index, m);
    if (this.eventListeners.size > 0) this.send(m, { t: 'events', on: true });
  }

  /** A worker exited: nothing waits for it any more. */
  leave(index: number): void {
    this.members.delete(index);
    for (const [id, w] of this.changes) this.answered(this.changes, id, w, index, undefined);
    for (const [id, w] of this.queries) this.answered(this.queries, id, w, index, undefined);
  }

  get size(): number {
    return this.members.size;
  }

  /** A change a worker made: apply it here, then on every worker (its maker too, so all apply it in one order). */
  fromWorker(op: StateOp): Promise<void> {
    const out = this.state.apply(op);
    // A count is sent on only where a worker matches by it: a stub with `times`, or one gone.
    if (out.k === 'count' && !this.state.countMatters(out.id)) return Promise.resolve();
    return this.broadcast(out);
  }

  /** Settles once every op a worker sent before now has been applied here. */
  async sync(): Promise<void> {
    await this.ask({ kind: 'sync' });
  }

  /** POST /api/reset: here and on every worker (their journals too). */
  reset(): Promise<void> {
    this.state.reset();
    return this.track(this.broadcast({ k: 'reset' }));
  }

  private broadcast(op: StateOp): Promise<void> {
    const seq = ++this.seq;
    return this.gather(this.changes, seq, { t: 'apply', seq, op }).then(() => undefined);
  }

  applied(seq: number, index: number): void {
    const w = this.changes.get(seq);
    if (w !== undefined) this.answered(this.changes, seq, w, index, true);
  }

  /** Every member's answer to `q`, by worker index (a member that did not answer in time is missing). */
  ask(q: Query): Promise<Map<number, unknown>> {
    const rid = ++this.rid;
    return this.gather(this.queries, rid, { t: 'query', rid, q });
  }

  reply(rid: number, index: number, body: unknown): void {
    const w = this.queries.get(rid);
    if (w !== undefined) this.answered(this.queries, rid, w, index, body);
  }

  /** Tell every member (reload, stop). */
  tell(m: ToWorker): void {
    for (const member of this.members.values()) this.send(member, m);
  }

  /** Live journal events of every worker while someone listens (GET /api/events). */
  onEvents(listener: EventListener): () => void {
    this.eventListeners.add(listener);
    if (this.eventListeners.size === 1) this.tell({ t: 'events', on: true });
    return () => {
      this.eventListeners.delete(listener);
      if (this.eventListeners.size === 0) this.tell({ t: 'events', on: false });
    };
  }

  event(kind: 'request' | 'update', entry: EntryJson, index: number): void {
    for (const l of this.eventListeners) l(kind, entry, index);
  }

  /** Whether the message is on its way: false from send() only means a backlog, still delivered in order. */
  private send(m: Member, msg: ToWorker): boolean {
    if (!m.worker.isConnected()) return false;
    try {
      m.worker.send(msg);
      return true;
    } catch (err) {
      this.logger.debug({ worker: m.index, err: (err as Error).message }, 'message to worker failed');
      return false;
    }
  }

  private gather(table: Map<number, Wait>, id: number, msg: ToWorker): Promise<Map<number, unknown>> {
    return new Promise((resolve) => {
      const left = new Set<number>();
      for (const m of this.members.values()) if (this.send(m, msg)) left.add(m.index);
      const replies = new Map<number, unknown>();
      if (left.size === 0) return resolve(replies);
      const timer = setTimeout(() => {
        table.delete(id);
        this.logger.warn({ waitingFor: [...left], what: msg.t }, 'workers did not answer in time');
        resolve(replies);
      }, WAIT_MS);
      timer.unref();
      table.set(id, {
        left,
        replies,
        done: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });
  }

  private answered(table: Map<number, Wait>, id: number, w: Wait, index: number, body: unknown): void {
    if (!w.left.delete(index)) return;
    if (body !== undefined) w.replies.set(index, body);
    if (w.left.size > 0) return;
    table.delete(id);
    w.done(w.replies);
  }
}
