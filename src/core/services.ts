/**
 * Stateful services the rules may consult or update: each owns one bounded table (nonce counts,
 * registrar bindings …) and is created once per server, from the clock and config passed in.
 * Rules reach them through RuleContext.services; nothing else in a rule keeps state.
 *
 * To add a service: a field in `Services`, one line in `createServices`, and its `close()` (if it
 * holds timers) in `closeServices`.
 */
import type { Config } from '../config/schema.js';
import type { Clock } from '../util/clock.js';
import type { Deadlines } from '../util/deadlines.js';
import { BindingTable } from '../registrar/bindings.js';
import { AuthService } from '../auth/auth-service.js';
import { EventService } from '../events/event-service.js';
import type { SipRequest } from '../sip/message.js';
import type { Logger } from 'pino';
import { MediaService } from '../media/media-service.js';
import { Stubs } from '../stubs/stubs.js';
import type { ResponseGate } from './response-gate.js';

export interface ServiceDeps {
  readonly clock: Clock;
  /** The server's one deadline queue on `clock` (util/deadlines.ts), shared by the tables that expire. */
  readonly deadlines?: Deadlines | undefined;
  readonly config: () => Readonly<Config>;
  /** The To tag the core's response to a request from `source` carries (a subscription dialog's local tag). */
  readonly toTag: (req: SipRequest, source: string) => string;
  /** For what services report on their own (a media port that fails to bind). */
  readonly logger?: Logger | undefined;
  readonly shared?: SharedServices | undefined;
}

/**
 * What workers serving the same ports share (src/cluster/, README "Workers"): the caller makes
 * these and keeps them the same in every process; absent, the server makes its own.
 */
export interface SharedServices {
  readonly registrar?: BindingTable;
  readonly stubs?: Stubs;
  /** The digest nonce key, so a nonce one worker issued verifies on another (auth/nonce.ts). */
  readonly nonceSecret?: Buffer;
  /** Holds a request's responses until what it changed is replicated (core/response-gate.ts). */
  readonly gate?: ResponseGate;
}

export interface Services {
  /** Registrar bindings (§10.3), expiring on the injected clock. */
  readonly registrar: BindingTable;
  /** Digest nonces and nonce-counts (§22, RFC 8760), for the auth rule and on-demand challenges. */
  readonly auth: AuthService;
  /** Published event state (RFC 3903) and subscriptions with their NOTIFYs (RFC 6665), src/events/. */
  readonly events: EventService;
  /** RTP echo of answered calls, a port each (src/media/), started and stopped by their dialogs. */
  readonly media: MediaService;
  /** Configured rules and API stubs with their scenarios (src/stubs/), for the custom rule and /api. */
  readonly stubs: Stubs;
}

export function createServices(deps: ServiceDeps): Services {
  return {
    registrar: deps.shared?.registrar ?? new BindingTable(deps.clock, deps.deadlines),
    auth: new AuthService({ now: () => deps.clock.now(), config: deps.config, secret: deps.shared?.nonceSecret }),
    events: new EventService({ clock: deps.clock, config: deps.config, toTag: deps.toTag }),
    media: new MediaService({ clock: deps.clock, config: deps.config, logger: deps.logger }),
    stubs: deps.shared?.stubs ?? new Stubs(),
  };
}

export function closeServices(services: Services): void {
  services.registrar.close();
  services.auth.close();
  services.events.close();
  services.media.close();
}
