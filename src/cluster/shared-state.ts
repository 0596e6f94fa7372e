/**
 * The state every worker must see alike (docs/ARCHITECTURE.md, "Workers"): registrar bindings, stubs
 * with their match counts, and scenario states. Each process holds a whole copy — the primary the
 * authoritative one, each worker a replica its rules read without asking anyone — and every change is
 * one StateOp, which the primary orders and every process applies in that order.
 *
 * Ops carry results, not requests, wherever that keeps them idempotent: an address-of-record's
 * bindings whole, with absolute expiries (§10.3); a stub whole; a count as the primary counted it.
 * A worker's match is the one op that is a delta (`hit`): the primary counts it and sends the count.
 */
import type { BindingRecord } from '../registrar/bindings.js';
import { BindingTable } from '../registrar/bindings.js';
import type { StubInput } from '../stubs/stub-schema.js';
import { MemoryScenarioStore, type ScenarioStore } from '../stubs/scenarios.js';
import { MemoryStubStore, type StoredStub, type StubStore } from '../stubs/stub-store.js';
import { Stubs } from '../stubs/stubs.js';
import { systemClock, type Clock } from '../util/clock.js';

export type StateOp =
  | { readonly k: 'aor'; readonly aor: string; readonly records: readonly BindingRecord[] }
  | { readonly k: 'stub'; readonly stub: StoredStub }
  | { readonly k: 'unstub'; readonly id: string }
  | { readonly k: 'clear-stubs' }
  /** Worker → primary only: one match of a stub; the primary answers every worker with `count`. */
  | { readonly k: 'hit'; readonly id: string }
  | { readonly k: 'count'; readonly id: string; readonly matches: number }
  | { readonly k: 'scenario'; readonly name: string; readonly state: string }
  | { readonly k: 'scenarios-reset' }
  /** POST /api/reset: stubs and scenarios to the configured start, no bindings, empty journals. */
  | { readonly k: 'reset' };

/** What a worker starting (or started again) is given: everything, as the primary holds it now. */
export interface Snapshot {
  readonly stubs: readonly StoredStub[];
  readonly scenarios: Readonly<Record<string, string>>;
  readonly bindings: readonly { readonly aor: string; readonly records: readonly BindingRecord[] }[];
}

/** Sends a local change on; the promise settles once every worker holds it (or it gave up). */
export type Emit = (op: StateOp) => Promise<void>;

/** Stub changes made here go out as ops; ops from elsewhere go to `inner` directly. */
class ReplicatedStubStore implements StubStore {
  constructor(
    readonly inner: MemoryStubStore,
    private readonly emit: Emit,
  ) {}

  add(stub: StubInput, max: number): StoredStub {
    const s = this.inner.add(stub, max);
    void this.emit({ k: 'stub', stub: s });
    return s;
  }

  get(id: string): StoredStub | undefined {
    return this.inner.get(id);
  }

  list(): readonly StoredStub[] {
    return this.inner.list();
  }

  remove(id: string): boolean {
    const removed = this.inner.remove(id);
    if (removed) void this.emit({ k: 'unstub', id });
    return removed;
  }

  hit(id: string): number {
    const n = this.inner.hit(id);
    void this.emit({ k: 'hit', id });
    return n;
  }

  /** The configured stubs come from each process's own configuration: nothing to send. */
  configure(rules: readonly StubInput[], force?: boolean): void {
    this.inner.configure(rules, force);
  }

  clearApi(): number {
    const n = this.inner.clearApi();
    void this.emit({ k: 'clear-stubs' });
    return n;
  }
}

class ReplicatedScenarioStore implements ScenarioStore {
  constructor(
    readonly inner: MemoryScenarioStore,
    private readonly emit: Emit,
  ) {}

  state(name: string): string {
    return this.inner.state(name);
  }

  set(name: string, state: string): boolean {
    const ok = this.inner.set(name, state);
    if (ok) void this.emit({ k: 'scenario', name, state });
    return ok;
  }

  list(): Readonly<Record<string, string>> {
    return this.inner.list();
  }

  reset(): void {
    this.inner.reset();
    void this.emit({ k: 'scenarios-reset' });
  }
}

export class SharedState {
  readonly registrar: BindingTable;
  readonly stubs: Stubs;
  private readonly stubStore = new MemoryStubStore();
  private readonly scenarioStore = new MemoryScenarioStore();

  /** `rules`: the configured stubs now (a reset goes back to them); `onReset`: what else a reset clears here. */
  constructor(
    emit: Emit,
    private readonly rules: () => readonly StubInput[],
    private readonly onReset: () => void = () => {},
    clock: Clock = systemClock,
  ) {
    this.registrar = new BindingTable(clock);
    this.registrar.onWrite = (aor) => void emit({ k: 'aor', aor, records: this.registrar.records(aor) });
    this.stubs = new Stubs(new ReplicatedStubStore(this.stubStore, emit), new ReplicatedScenarioStore(this.scenarioStore, emit));
    this.stubStore.configure(rules());
  }

  /**
   * Apply an op made elsewhere, without sending it on. Returns what every worker must then apply:
   * the op itself, or for a `hit` the count it made here (the primary's answer).
   */
  apply(op: StateOp): StateOp {
    switch (op.k) {
      case 'aor':
        this.registrar.replace(op.aor, op.records);
        return op;
      case 'stub':
        this.stubStore.put(op.stub);
        return op;
      case 'unstub':
        this.stubStore.remove(op.id);
        return op;
      case 'clear-stubs':
        this.stubStore.clearApi();
        return op;
      case 'hit':
        return { k: 'count', id: op.id, matches: this.stubStore.hit(op.id) };
      case 'count':
        this.stubStore.setMatches(op.id, op.matches);
        return op;
      case 'scenario':
        this.scenarioStore.set(op.name, op.state);
        return op;
      case 'scenarios-reset':
        this.scenarioStore.reset();
        return op;
      case 'reset':
        this.reset();
        return op;
    }
  }

  /** Whether a worker needs this stub's count: it expires at `times`, or it is gone already. */
  countMatters(id: string): boolean {
    const s = this.stubStore.get(id);
    return s === undefined || s.stub.times !== undefined;
  }

  /** POST /api/reset here, without sending anything (the caller sends the one `reset` op). */
  reset(): void {
    this.stubStore.clearApi();
    this.stubStore.configure(this.rules(), true);
    this.scenarioStore.reset();
    this.registrar.close();
    this.onReset();
  }

  snapshot(): Snapshot {
    const bindings = this.registrar.aors().map((aor) => ({ aor, records: this.registrar.records(aor) }));
    return { stubs: this.stubStore.snapshot(), scenarios: this.scenarioStore.list(), bindings };
  }

  /** Take a snapshot in, over a fresh state (a worker starting). */
  load(s: Snapshot): void {
    this.stubStore.configure(this.rules());
    for (const stub of s.stubs) {
      if (stub.origin === 'api') this.stubStore.put(stub);
      else this.stubStore.setMatches(stub.id, stub.matches);
    }
    for (const [name, state] of Object.entries(s.scenarios)) this.scenarioStore.set(name, state);
    for (const b of s.bindings) this.registrar.replace(b.aor, b.records);
  }

  close(): void {
    this.registrar.close();
  }
}
