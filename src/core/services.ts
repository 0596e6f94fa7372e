/**
 * Stateful services the rules may consult or update: each owns one bounded table (nonce counts,
 * registrar bindings …) and is created once per server, from the clock and config passed in.
 * Rules reach them through RuleContext.services; nothing else in a rule keeps state.
 *
 * To add a service: a field in `Services`, one line in `createServices`, and its `close()` (if it
 * holds timers) in `closeServices`.
 */
import type { Config } from '../config/schema.js';
import type { Clock } from '../transaction/clock.js';

export interface ServiceDeps {
  readonly clock: Clock;
  readonly config: () => Readonly<Config>;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Services {}

export function createServices(_deps: ServiceDeps): Services {
  return {};
}

export function closeServices(_services: Services): void {}
