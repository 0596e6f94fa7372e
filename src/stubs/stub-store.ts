/**
 * Where stubs live: the configured ones (`rules`, from the file) and those added over the API.
 * Behind a small interface so that another store (shared between processes) can replace it.
 *
 * Order: lower `priority` first (default DEFAULT_PRIORITY); among equals the newest first. Configured
 * rules count as older than every API stub, and each older than the one before it in the file, so
 * equal configured rules keep the file's order (the first that matches answers).
 */
import { randomUUID } from 'node:crypto';
import type { StubInput } from './stub-schema.js';

export const DEFAULT_PRIORITY = 5;

export interface StoredStub {
  readonly id: string;
  readonly origin: 'config' | 'api';
  readonly stub: StubInput;
  /** Insertion order: higher is newer. */
  readonly seq: number;
  /** Requests matched so far. */
  readonly matches: number;
}

export class StubLimitError extends Error {
  readonly code = 'SIP4XX_STUB_LIMIT';
  constructor(readonly max: number) {
    super(`stub limit reached: ${max} stubs (admin.maxStubs); delete some first`);
  }
}

export interface StubStore {
  /** Add an API stub; throws StubLimitError past `max` stubs in all. */
  add(stub: StubInput, max: number): StoredStub;
  get(id: string): StoredStub | undefined;
  /** Every live stub, in match order. */
  list(): readonly StoredStub[];
  remove(id: string): boolean;
  /** Count one match of a stub; returns its new count (0 when the stub is gone). */
  hit(id: string): number;
  /** Replace the configured stubs when `rules` is another list than last time (or `force`). */
  configure(rules: readonly StubInput[], force?: boolean): void;
  /** Remove every API stub; returns how many. */
  clearApi(): number;
}

interface Entry {
  id: string;
  origin: 'config' | 'api';
  stub: StubInput;
  seq: number;
  matches: number;
}

export class MemoryStubStore implements StubStore {
  private readonly entries = new Map<string, Entry>();
  private ordered: readonly Entry[] = [];
  private configured: readonly StubInput[] | undefined;
  private nextSeq = 1;

  add(stub: StubInput, max: number): StoredStub {
    if (this.entries.size >= max) throw new StubLimitError(max);
    const entry: Entry = { id: randomUUID(), origin: 'api', stub, seq: this.nextSeq++, matches: 0 };
    this.entries.set(entry.id, entry);
    this.reorder();
    return { ...entry };
  }

  get(id: string): StoredStub | undefined {
    const e = this.entries.get(id);
    return e === undefined ? undefined : { ...e };
  }

  list(): readonly StoredStub[] {
    return this.ordered;
  }

  remove(id: string): boolean {
    const removed = this.entries.delete(id);
    if (removed) this.reorder();
    return removed;
  }

  hit(id: string): number {
    const e = this.entries.get(id);
    if (e === undefined) return 0;
    e.matches++;
    // A stub past its `times` expires: an API stub is removed, a configured one sleeps until the
    // configuration is reloaded or the state reset (POST /api/reset).
    if (e.stub.times !== undefined && e.matches >= e.stub.times) {
      if (e.origin === 'api') this.remove(id);
      else this.reorder();
    }
    return e.matches;
  }

  configure(rules: readonly StubInput[], force = false): void {
    if (rules === this.configured && !force) return;
    this.configured = rules;
    for (const [id, e] of this.entries) if (e.origin === 'config') this.entries.delete(id);
    // rule#N: its index in `rules`, as config error paths name it (rules.0.respond.code).
    rules.forEach((stub, i) => this.entries.set(`rule#${i}`, { id: `rule#${i}`, origin: 'config', stub, seq: -i, matches: 0 }));
    this.reorder();
  }

  clearApi(): number {
    let n = 0;
    for (const [id, e] of this.entries) {
      if (e.origin === 'api') {
        this.entries.delete(id);
        n++;
      }
    }
    this.reorder();
    return n;
  }

  /** Every stub, spent configured ones too, as another worker must hold them (src/cluster/). */
  snapshot(): StoredStub[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
  }

  /** Hold an API stub with the id, order and count another worker gave it. */
  put(s: StoredStub): void {
    if (s.origin !== 'api') return;
    this.entries.set(s.id, { ...s });
    this.nextSeq = Math.max(this.nextSeq, s.seq + 1);
    this.reorder();
  }

  /** A stub's count as another worker counted it; one past its `times` expires as in hit(). */
  setMatches(id: string, matches: number): void {
    const e = this.entries.get(id);
    if (e === undefined) return;
    e.matches = matches;
    if (e.stub.times !== undefined && matches >= e.stub.times && e.origin === 'api') this.remove(id);
    else this.reorder();
  }

  private reorder(): void {
    const live = [...this.entries.values()].filter((e) => e.stub.times === undefined || e.matches < e.stub.times);
    live.sort((a, b) => (a.stub.priority ?? DEFAULT_PRIORITY) - (b.stub.priority ?? DEFAULT_PRIORITY) || b.seq - a.seq);
    this.ordered = live;
  }
}
