/**
 * The stubs of one server: their store, the scenarios they test and move, and the one matcher the
 * `custom` rule asks (src/rules/custom.ts). State lives behind StubStore and ScenarioStore.
 */
import type { SipRequest } from '../sip/message.js';
import type { Flow } from '../transport/flow.js';
import { bounded } from '../core/log-fields.js';
import { compileMatch, type Matcher } from './matcher.js';
import { MemoryScenarioStore, type ScenarioStore } from './scenarios.js';
import { stepsOf, type StubInput, type StubStep } from './stub-schema.js';
import { MemoryStubStore, type StoredStub, type StubStore } from './stub-store.js';

export interface StubHit {
  readonly stub: StoredStub;
  /** The step of its `respond` this match takes (sequence: the next; the last repeats). */
  readonly step: StubStep;
  /** The name it is logged and counted by: its `name`, else its id. */
  readonly label: string;
}

export class Stubs {
  /** Matchers by stub object: compiled when a stub is first tried, never per request. */
  private readonly compiled = new WeakMap<StubInput, Matcher>();

  constructor(
    readonly store: StubStore = new MemoryStubStore(),
    readonly scenarios: ScenarioStore = new MemoryScenarioStore(),
  ) {}

  /**
   * The first stub, in priority order, whose match and scenario state fit. A stub without
   * `respond` only moves its scenario: the next stubs, then the rest of the pipeline, still answer.
   */
  match(req: SipRequest, flow: Flow, rules: readonly StubInput[]): StubHit | undefined {
    this.store.configure(rules);
    for (const s of this.store.list()) {
      if (!this.matcher(s.stub)(req, flow)) continue;
      const sc = s.stub.scenario;
      if (sc?.requiredState !== undefined && this.scenarios.state(sc.name) !== sc.requiredState) continue;
      const n = this.store.hit(s.id);
      if (sc?.newState !== undefined) this.scenarios.set(sc.name, sc.newState);
      const steps = stepsOf(s.stub);
      const step = steps[Math.min(n, steps.length) - 1];
      if (step === undefined) continue;
      // A metric label and a log field: bounded like every other logged string.
      return { stub: s, step, label: bounded(s.stub.name ?? s.id) };
    }
    return undefined;
  }

  /** Back to the configured start: API stubs gone, counts and scenarios reset. */
  reset(rules: readonly StubInput[]): void {
    this.store.clearApi();
    this.store.configure(rules, true);
    this.scenarios.reset();
  }

  private matcher(stub: StubInput): Matcher {
    let m = this.compiled.get(stub);
    if (m === undefined) {
      m = compileMatch(stub.match ?? {});
      this.compiled.set(stub, m);
    }
    return m;
  }
}
