/**
 * What the two server transactions (§17.2.1 INVITE, §17.2.2 non-INVITE) share: identity, the
 * last response for retransmission, the peer to send to, timers that live and die with the
 * transaction, and one callback upward when it ends.
 */
import type { Clock, TimerHandle, TimerValues } from './clock.js';
import type { Destination, Replay, Sender } from './lingering.js';

export interface TransactionDeps {
  /** The §17.2.3 matching key (see transaction-key.ts). */
  readonly key: string;
  /** Reliable transports (TCP) need no retransmissions and zero-length wait timers (§17.2). */
  readonly reliable: boolean;
  readonly timers: TimerValues;
  readonly clock: Clock;
  /** The transport's send (shared by all its messages: a replaying record keeps it by reference). */
  readonly send: Sender;
  /** Where responses go (§18.2.2: the packet's source or the Via's received/rport; ignored on TCP). */
  readonly to: Destination;
  /** Called once, when the transaction reaches Terminated (for any reason). */
  readonly onTerminated: (key: string, why: string) => void;
  /**
   * Takes over the passive end of an unreliable transaction — INVITE Confirmed (absorb for T4) or
   * non-INVITE Completed (replay the final response for 64·T1) — as a compact record that enforces
   * the same timer (lingering.ts). The object then leaves the table without a timer of its own.
   * Without it, the object runs Timer I / J itself: the state machine is complete either way.
   */
  readonly retire?: ((key: string, ms: number, replay: Replay | undefined) => void) | undefined;
}


/**
 * Timer names by slot. A transaction runs at most one retransmission timer (G, or the 2xx timer),
 * one lifetime timer (H, I, J or L) and one transaction-user timer at a time, so three fixed slots
 * replace a Map per transaction: at 20k requests/s with transactions living up to 64·T1, the
 * per-transaction allocations are what the garbage collector pays for.
 */
const SLOT_OF: Readonly<Record<string, 0 | 1 | 2>> = { G: 0, '2xx': 0, H: 1, I: 1, J: 1, L: 1, TU: 2 };

export abstract class ServerTransaction<S extends string, C> {
  abstract readonly kind: 'invite' | 'non-invite';
  protected abstract current: S;
  protected lastResponse: Buffer | undefined;
  /** The status of the last response sent, 0 before any. */
  lastStatus = 0;
  /** Its §8.2.2.2 merge key while it holds one in the table's merge index. */
  mergeKey: string | undefined = undefined;
  /** Its neighbours in the transaction table's age list while it is in the table (transaction-table.ts). */
  olderInTable: ServerTransaction<string, unknown> | undefined = undefined;
  newerInTable: ServerTransaction<string, unknown> | undefined = undefined;
  private readonly handles: [TimerHandle | undefined, TimerHandle | undefined, TimerHandle | undefined] = [undefined, undefined, undefined];
  private readonly names: [string, string, string] = ['', '', ''];
  private ctx: C | undefined;

  /** `context`: whatever the transaction user keeps with it (request, flow…) until released. */
  constructor(
    protected readonly deps: TransactionDeps,
    context: C,
  ) {
    this.ctx = context;
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
    this.deps.send(bytes, this.deps.to);
  }

  /** Hand the passive end to `deps.retire` when there is one; false when the object must run it. */
  protected handOver(ms: number, replay: Replay | undefined): boolean {
    const retire = this.deps.retire;
    if (retire === undefined) return false;
    this.dispose();
    retire(this.key, ms, replay);
    return true;
  }

  protected resend(): void {
    if (this.lastResponse !== undefined) this.deps.send(this.lastResponse, this.deps.to);
  }

  protected startTimer(name: string, ms: number, fire: () => void): void {
    const slot = SLOT_OF[name] as 0 | 1 | 2;
    this.stopSlot(slot);
    this.names[slot] = name;
    this.handles[slot] = this.deps.clock.setTimer(() => {
      this.handles[slot] = undefined;
      this.names[slot] = '';
      fire();
    }, ms);
  }

  protected stopTimer(name: string): void {
    const slot = SLOT_OF[name] as 0 | 1 | 2;
    if (this.names[slot] === name) this.stopSlot(slot);
  }

  private stopSlot(slot: 0 | 1 | 2): void {
    const h = this.handles[slot];
    if (h !== undefined) {
      this.deps.clock.clearTimer(h);
      this.handles[slot] = undefined;
      this.names[slot] = '';
    }
  }

  /** Clear every timer (STYLE §5: timers are cleared in dispose, never left to fire on a dead entry). */
  protected dispose(): void {
    this.stopSlot(0);
    this.stopSlot(1);
    this.stopSlot(2);
  }

  /** Live timers, for tests and metrics. */
  get activeTimers(): readonly string[] {
    return this.names.filter((n) => n !== '');
  }
}
