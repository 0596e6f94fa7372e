/**
 * What the transaction user does so that UDP cannot turn sip4xx into a reflector or amplifier
 * (docs/ARCHITECTURE.md, Reflection): each source address's byte credit (src/net/source-credit.ts),
 * earned by its requests and by ACKs that prove it receives our responses; and responses kept
 * within the Contact-list bounds and within one datagram (src/sip/response.ts).
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { ResponseBasis } from '../sip/message.js';
import { buildFittingResponse, type ResponseContext, type ResponseSpec } from '../sip/response.js';
import { SourceCredit } from '../net/source-credit.js';
import type { Flow } from '../transport/flow.js';
import type { Clock } from '../util/clock.js';

export interface ReflectionCounters {
  retransmissionsSuppressed?: number;
  /** Responses too large for any datagram, answered 500 instead. */
  responsesTooLarge?: number;
}

/** A response too large for UDP is logged at most once in this many ms. */
const TOO_LARGE_LOG_MS = 10_000;

export class ReflectionGuard {
  readonly credit: SourceCredit;
  private loggedAt = -Infinity;

  constructor(
    private readonly config: () => Readonly<Config>,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly counters: ReflectionCounters,
  ) {
    const r = config().reflection;
    this.credit = new SourceCredit(r.maxSources, r.maxBytes, () => this.config().reflection, counters);
  }

  /** A request of `bytes` arrived on `flow`: over UDP its source earns credit. */
  received(flow: Flow, bytes: number): void {
    if (flow.transport === 'udp') this.credit.received(flow.remote.address, bytes);
  }

  /** Whether an ACK from `flow` could prove anything: a UDP source not proven yet. */
  unproven(flow: Flow): boolean {
    return flow.transport === 'udp' && !this.credit.isProven(flow.remote.address);
  }

  /** A request on `flow` returned one of our To tags: over UDP its source receives what we send. */
  prove(flow: Flow): void {
    if (flow.transport === 'udp') this.credit.prove(flow.remote.address);
  }

  /** The response's bytes and status, within the configured bounds (buildFittingResponse). */
  build(basis: ResponseBasis, spec: ResponseSpec, ctx: ResponseContext, flow: Flow): { bytes: Buffer; status: number } {
    const fit = buildFittingResponse(basis, spec, ctx, flow.transport === 'udp', this.config().limits);
    if (fit.tooLarge) {
      this.counters.responsesTooLarge = (this.counters.responsesTooLarge ?? 0) + 1;
      const now = this.clock.now();
      if (now - this.loggedAt >= TOO_LARGE_LOG_MS) {
        this.loggedAt = now;
        this.logger.warn({ status: spec.status, src: `${flow.remote.address}:${flow.remote.port}` }, 'response too large for a UDP datagram; answered 500 instead');
      }
    }
    return fit;
  }
}
