/**
 * Scenarios: named state machines that stubs test and move (README, "Control plane"). Every
 * scenario starts in `Started`; only states a stub or the API set are kept, at most MAX_SCENARIOS.
 * Behind a small interface so that another store (shared between processes) can replace it.
 */
export const STARTED = 'Started';

/** Scenarios remembered at once; a name past this stays in `Started` (names are ≤ 64 bytes each). */
export const MAX_SCENARIOS = 1000;

export interface ScenarioStore {
  /** The state of a scenario (`Started` when never moved). */
  state(name: string): string;
  /** Move a scenario; false when the table is full and the name new. */
  set(name: string, state: string): boolean;
  /** Every scenario that left `Started` or was set, name → state. */
  list(): Readonly<Record<string, string>>;
  /** Every scenario back to `Started`. */
  reset(): void;
}

export class MemoryScenarioStore implements ScenarioStore {
  private readonly states = new Map<string, string>();

  constructor(private readonly max = MAX_SCENARIOS) {}

  state(name: string): string {
    return this.states.get(name) ?? STARTED;
  }

  set(name: string, state: string): boolean {
    if (!this.states.has(name) && this.states.size >= this.max) return false;
    this.states.set(name, state);
    return true;
  }

  list(): Readonly<Record<string, string>> {
    return Object.fromEntries(this.states);
  }

  reset(): void {
    this.states.clear();
  }
}
