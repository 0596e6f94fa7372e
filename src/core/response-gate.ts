/**
 * Holding a request's responses until what it changed is known elsewhere (README, "Workers";
 * docs/ARCHITECTURE.md, "Workers"): a REGISTER that changed bindings, a stub that counted a match or
 * moved a scenario. With workers, every process must hold the change before the client has the
 * answer, so the client's next request finds it whichever worker it reaches.
 *
 * The core wraps a request's Flow only when a gate is given (workers > 1); the transaction keeps the
 * wrapped send, so every response to the request — the first and any resent — leaves in order, and
 * no later than the changes the rules made while deciding it are acknowledged. Rules stay
 * synchronous: a service that replicates calls `hold` with its acknowledgement while the request is
 * being handled, and the wrapped send waits for it. A failed acknowledgement releases the responses
 * too: an answer late is better than none.
 */
import type { Flow } from '../transport/flow.js';

class GatedFlow implements Flow {
  readonly transport: Flow['transport'];
  readonly remote: Flow['remote'];
  readonly local: Flow['local'];
  readonly send: Flow['send'];
  /** Settles once everything held so far settled and every earlier send went. */
  private pending: Promise<unknown> | undefined;

  constructor(private readonly flow: Flow) {
    this.transport = flow.transport;
    this.remote = flow.remote;
    this.local = flow.local;
    const send = flow.send;
    // Called detached (Flow.send): the arrow keeps its instance.
    this.send = (data, to) => {
      if (this.pending === undefined) return send(data, to);
      this.pending = this.pending.then(() => send(data, to));
    };
  }

  hold(until: Promise<unknown>): void {
    const released = until.then(
      () => undefined,
      () => undefined,
    );
    this.pending = this.pending === undefined ? released : Promise.all([this.pending, released]);
  }

  close(): void {
    if (this.pending === undefined) this.flow.close();
    else void this.pending.then(() => this.flow.close());
  }
}

export class ResponseGate {
  private current: GatedFlow | undefined;

  /** The flow the request being handled now answers through; `leave` ends its turn. */
  enter(flow: Flow): Flow {
    const gated = new GatedFlow(flow);
    this.current = gated;
    return gated;
  }

  leave(): void {
    this.current = undefined;
  }

  /** Hold the responses of the request being handled until `until` settles; outside one, nothing. */
  hold(until: Promise<unknown>): void {
    this.current?.hold(until);
  }
}
