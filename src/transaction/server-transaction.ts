/**
 * What the two server transactions (§17.2.1 INVITE, §17.2.2 non-INVITE) share: identity, the
 * last response for retransmission, the peer to send to, timers that live and die with the
 * transaction, and one callback upward when it ends.
 */
import type { Clock, TimerHandle, TimerValues } from './clock.js';

export interface TransactionDeps<C> {
  /** The §17.2.3 matching key (see transaction-key.ts). */
  readonly key: string;
  /** Reliable transports (TCP) need no retransmissions and zero-length wait timers (§17.2). */
  readonly reliable: boolean;
  readonly timers: TimerValues;
  readonly clock: Clock;
  /** Writes bytes to the peer that sent the request. */
  readonly send: (bytes: Buffer) => void;
  /** Called once, when the transaction reaches Terminated (for any reason). */
  readonly onTerminated: (key: string, why: string) => void;
  /** Whatever the transaction user keeps with the transaction (request, flow, log context…). */
  readonly context: C;
}

export abstract class ServerTransaction<S extends string, C> {
  abstract readonly kind: 'invite' | 'non-invite';
  protected abstract current: S;
  protected lastResponse: Buffer | undefined;
  /** The status of the last response sent, 0 before any. */
  lastStatus = 0;
  private readonly handles = new Map<string, TimerHandle>();
  private ctx: C | undefined;
  protected readonly deps: Omit<TransactionDeps<C>, 'context'>;

  constructor(deps: TransactionDeps<C>) {
    const { context, ...rest } = deps;
    this.ctx = context;
    this.deps = rest;
  }

  get key(): string {
    return this.deps.key;
  }

  /** The transaction user's data; gone once released (after the final response). */
  get context(): C {
    if (this.ctx === undefined) throw new Error(`transaction ${this.deps.key}: context already released`);
    return this.ctx;
  }

  /**
   * Drop the transaction user's data (the parsed request and its buffers). After the final
   * response a transaction lives on for up to 64·T1 only to resend bytes it already has, so
   * keeping the request would multiply memory by the request rate times 32 s for nothing.
   */
  releaseContext(): void {
    this.ctx = undefined;
  }

  get state(): S {
    return this.current;
  }

  /** True once a final (≥ 200) response has been sent. */
  get finalSent(): boolean {
    return this.lastStatus >= 200;
  }

  /** Send a response from the transaction user; returns false when the state refuses it. */
  abstract respond(bytes: Buffer, status: number): boolean;

  /** The same request arrived again (§17.2.1, §17.2.2). */
  abstract onRetransmission(): void;

  /** A timer of the transaction user that must not outlive the transaction (a delayed answer). */
  scheduleTu(fn: () => void, ms: number): void {
    this.startTimer('TU', ms, fn);
  }

  /** End now: clear every timer and report upward. Idempotent. */
  abstract terminate(why: string): void;

  protected transmit(bytes: Buffer, status: number): void {
    this.lastResponse = bytes;
    this.lastStatus = status;
    this.deps.send(bytes);
  }

  protected resend(): void {
    if (this.lastResponse !== undefined) this.deps.send(this.lastResponse);
  }

  protected startTimer(name: string, ms: number, fire: () => void): void {
    this.stopTimer(name);
    this.handles.set(
      name,
      this.deps.clock.setTimer(() => {
        this.handles.delete(name);
        fire();
      }, ms),
    );
  }

  protected stopTimer(name: string): void {
    const h = this.handles.get(name);
    if (h !== undefined) {
      this.deps.clock.clearTimer(h);
      this.handles.delete(name);
    }
  }

  /** Clear every timer (STYLE §5: timers are cleared in dispose, never left to fire on a dead entry). */
  protected dispose(): void {
    for (const h of this.handles.values()) this.deps.clock.clearTimer(h);
    this.handles.clear();
  }

  /** Live timers, for tests and metrics. */
  get activeTimers(): readonly string[] {
    return [...this.handles.keys()];
  }
}
