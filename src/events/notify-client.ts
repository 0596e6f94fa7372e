/**
 * The non-INVITE client transactions of the NOTIFY requests we send (RFC 3261 §17.1.2), keyed by
 * the branch of their Via. Over UDP the request is retransmitted on Timer E, starting at T1 and
 * doubling up to T2 (at T2 once a provisional response came, §17.1.2.2); Timer F (64·T1) ends the
 * transaction with a timeout on any transport. A final response ends it at once; a late or
 * retransmitted final response then matches nothing and is dropped, which costs nothing: a
 * client transaction in Completed only absorbs them (§17.1.2.2).
 */
import type { Clock, TimerHandle, TimerValues } from '../util/clock.js';

export interface NotifyRoute {
  readonly send: (data: Buffer, to: { readonly address: string; readonly port: number }) => void;
  readonly to: { readonly address: string; readonly port: number };
  /** TCP: no retransmissions (§17.1.2.2: Timer E only "if an unreliable transport is in use"). */
  readonly reliable: boolean;
}

/** How a NOTIFY transaction ended: a final status code, or 'timeout' (Timer F). */
export type NotifyResult = number | 'timeout';

interface Pending {
  readonly bytes: Buffer;
  readonly route: NotifyRoute;
  readonly done: (result: NotifyResult) => void;
  intervalMs: number;
  timerE: TimerHandle | undefined;
  readonly timerF: TimerHandle;
  proceeding: boolean;
}

export class NotifyClient {
  private readonly live = new Map<string, Pending>();
  /** Retransmissions sent, for tests and metrics. */
  retransmissions = 0;

  constructor(
    private readonly clock: Clock,
    private readonly timers: () => TimerValues,
  ) {}

  get size(): number {
    return this.live.size;
  }

  /** Send a NOTIFY and keep it until its final response or Timer F. */
  start(branch: string, bytes: Buffer, route: NotifyRoute, done: (result: NotifyResult) => void): void {
    const { t1 } = this.timers();
    route.send(bytes, route.to);
    const p: Pending = {
      bytes,
      route,
      done,
      intervalMs: t1,
      proceeding: false,
      timerE: undefined,
      // §17.1.2.2: "If Timer F fires while the client transaction is still in the "Trying" state,
      // the client transaction SHOULD inform the TU about the timeout".
      timerF: this.clock.setTimer(() => this.finish(branch, 'timeout'), 64 * t1),
    };
    // §17.1.2.2: "If an unreliable transport is in use, the client transaction MUST set timer E
    // to fire in T1 seconds."
    if (!route.reliable) p.timerE = this.clock.setTimer(() => this.retransmit(branch), t1);
    this.live.set(branch, p);
  }

  /** A response to one of our NOTIFYs; false when it matches none (the caller drops it). */
  onResponse(branch: string, status: number): boolean {
    const p = this.live.get(branch);
    if (p === undefined) return false;
    // §17.1.2.2: a provisional response moves Trying to Proceeding, where retransmissions go on
    // every T2; a final response (200-699) moves to Completed and tells the TU.
    if (status < 200) {
      p.proceeding = true;
      return true;
    }
    this.finish(branch, status);
    return true;
  }

  /** Stop a transaction without telling its owner (the subscription it served is gone). */
  cancel(branch: string): void {
    const p = this.live.get(branch);
    if (p === undefined) return;
    this.stop(p);
    this.live.delete(branch);
  }

  close(): void {
    for (const p of this.live.values()) this.stop(p);
    this.live.clear();
  }

  private retransmit(branch: string): void {
    const p = this.live.get(branch);
    if (p === undefined) return;
    this.retransmissions++;
    p.route.send(p.bytes, p.route.to);
    // Trying: "reset with a value of MIN(2*T1, T2)", doubling each time up to T2; Proceeding: T2.
    const { t2 } = this.timers();
    p.intervalMs = p.proceeding ? t2 : Math.min(2 * p.intervalMs, t2);
    p.timerE = this.clock.setTimer(() => this.retransmit(branch), p.intervalMs);
  }

  private finish(branch: string, result: NotifyResult): void {
    const p = this.live.get(branch);
    if (p === undefined) return;
    this.stop(p);
    this.live.delete(branch);
    p.done(result);
  }

  private stop(p: Pending): void {
    if (p.timerE !== undefined) this.clock.clearTimer(p.timerE);
    this.clock.clearTimer(p.timerF);
  }
}
