/**
 * What the two server transactions (§17.2.1 INVITE, §17.2.2 non-INVITE) share: identity, the last
 * response for retransmission, the peer to send to, timers that live and die with the transaction,
 * and one callback upward when it ends. The object lives from its request until Terminated (Timer
 * H, I, J or L, or at once on a reliable transport): the store holds nothing else
 * (docs/ARCHITECTURE.md, Transactions).
 */
import type { TimerValues } from '../util/clock.js';
import { Deadline, type Deadlines } from '../util/deadlines.js';
import { Slabs } from '../util/slabs.js';
import { checkTransition, type TransitionTable } from './fsm.js';

export interface Destination {
  readonly address: string;
  readonly port: number;
}

/** Sends bytes to a destination: a transport's send (flow.ts), shared by all its messages. */
export type Sender = (data: Buffer, to: Destination) => void;

/** Where a response kept for seconds is copied (docs/ARCHITECTURE.md, Kept responses live in slabs). */
const kept = new Slabs();

/** The machines' names in an illegal transition's error. */
const MACHINE = { invite: 'INVITE server transaction', 'non-invite': 'non-INVITE server transaction' } as const;

/** What a transaction that will send nothing more keeps instead of its transport's send. */
const sendNothing: Sender = () => {};

/** What the transactions of one configuration share (one object, not one per transaction). */
export interface TransactionEnv {
  readonly timers: TimerValues;
  readonly deadlines: Deadlines;
  /** Called once per transaction, when it reaches Terminated (for any reason). */
  readonly onTerminated: (key: string, why: string) => void;
  /** Bounds what goes to an unproven UDP source (src/net/source-credit.ts); none: no bound. */
  readonly credit?: ResendCredit;
}

/** The per-address byte credit, as the transactions see it (docs/ARCHITECTURE.md, Reflection). */
export interface ResendCredit {
  /** A response the transaction user owes went to `address`. */
  sent(address: string, bytes: number): void;
  /** May a timer-driven retransmission of `bytes` go to `address`? */
  mayResend(address: string, bytes: number): boolean;
}

/**
 * Its three timers — retransmission (G, or the 2xx timer of §13.3.1.4), lifetime (H, I, J or L)
 * and the transaction user's (a delayed final response) — are due times on the transaction, itself
 * the one Deadline it schedules (docs/ARCHITECTURE.md, Transactions).
 */
export abstract class ServerTransaction<S extends string, C> extends Deadline {
  abstract readonly kind: 'invite' | 'non-invite';
  protected abstract current: S | 'terminated';
  /** The machine's moves, one table per class (on the prototype, not on each transaction). */
  protected abstract get transitions(): TransitionTable<S | 'terminated'>;
  protected lastResponse: Buffer | undefined;
  /** `lastResponse` is already a copy in the slabs (keepResponse). */
  private responseKept = false;
  /** The status of the last response sent, 0 before any. */
  lastStatus = 0;
  /** Its §8.2.2.2 merge key while the store indexes it by one (transaction-store.ts). */
  mergeKey: string | undefined = undefined;
  /** Its neighbours in the store's age order while it is stored (transaction-store.ts). */
  older: ServerTransaction<string, unknown> | undefined = undefined;
  newer: ServerTransaction<string, unknown> | undefined = undefined;
  /** The bytes the store charges it while it is stored (transaction-store.ts). */
  storeBytes = 0;
  /** Due times of the three timers (Deadlines.elapsed(); -1: not running) and the retransmission interval. */
  private retransmitAt = -1;
  private interval = 0;
  private endAt = -1;
  private endWhy = '';
  private tuAt = -1;
  private tuFn: (() => void) | undefined = undefined;
  private ctx: C | undefined;

  /**
   * `key`: the §17.2.3 matching key (transaction-key.ts). `reliable`: TCP, which needs no
   * retransmissions and zero-length wait timers (§17.2). `send`: the transport's. `to`: where
   * responses go (§18.2.2: the packet's source or the Via's received/rport; ignored on TCP).
   * `context`: whatever the transaction user keeps with it (request, flow…) until released.
   */
  constructor(
    protected readonly env: TransactionEnv,
    readonly key: string,
    protected readonly reliable: boolean,
    private send: Sender,
    private to: Destination | undefined,
    context: C,
  ) {
    super();
    this.ctx = context;
  }

  /** The transaction user's data; gone once released (after the final response). */
  get context(): C {
    if (this.ctx === undefined) throw new Error(`transaction ${this.key}: context already released`);
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

  get state(): S | 'terminated' {
    return this.current;
  }

  protected moveTo(next: S): void {
    checkTransition(MACHINE[this.kind], this.transitions, this.current, next);
    this.current = next;
  }

  /** True once a final (≥ 200) response has been sent. */
  get finalSent(): boolean {
    return this.lastStatus >= 200;
  }

  /** Send a response from the transaction user; returns false when the state refuses it. */
  abstract respond(bytes: Buffer, status: number): boolean;

  /** The same request arrived again (§17.2.1, §17.2.2). */
  abstract onRetransmission(): void;

  /** End now: clear every timer and report upward. Idempotent. */
  terminate(why: string): void {
    if (this.current === 'terminated') return;
    this.discard();
    this.current = 'terminated';
    this.env.onTerminated(this.key, why);
  }

  /** A timer of the transaction user that must not outlive the transaction (a delayed answer). */
  scheduleTu(fn: () => void, ms: number): void {
    this.tuFn = fn;
    this.tuAt = this.env.deadlines.elapsed() + ms;
    this.arm();
  }

  protected transmit(bytes: Buffer, status: number): void {
    this.lastResponse = bytes;
    this.responseKept = false;
    this.lastStatus = status;
    if (this.to !== undefined) this.sendCharged(bytes, this.to);
  }

  /** The last response again, for a retransmitted request (§17.2.1, §17.2.2): owed, never gated. */
  protected resend(): void {
    if (this.lastResponse !== undefined && this.to !== undefined) this.sendCharged(this.lastResponse, this.to);
  }

  private sendCharged(bytes: Buffer, to: Destination): void {
    if (!this.reliable) this.env.credit?.sent(to.address, bytes.length);
    this.send(bytes, to);
  }

  /**
   * Timer G or the 2xx timer fired. §17.2.1 makes the retransmission a SHOULD, for a client whose
   * copy was lost: it goes only while the destination's credit covers it, so a spoofed source is
   * not sent eleven copies of a response it never asked for (docs/ARCHITECTURE.md, Reflection).
   * The timer keeps running: credit earned meanwhile (a retransmitted request) lets the next go.
   */
  private resendOnTimer(): void {
    this.keepResponse();
    const bytes = this.lastResponse;
    const to = this.to;
    if (bytes === undefined || to === undefined) return;
    const credit = this.env.credit;
    if (credit === undefined || credit.mayResend(to.address, bytes.length)) this.send(bytes, to);
  }

  /** The last response will be kept for seconds (Timer G fired, or Timer J started): copy it to a slab. */
  protected keepResponse(): void {
    if (this.lastResponse === undefined || this.responseKept) return;
    this.lastResponse = kept.copy(this.lastResponse);
    this.responseKept = true;
  }

  /**
   * Nothing more will be sent (INVITE Confirmed, §17.2.1): drop the cached response and the
   * destination, which would otherwise stay alive for the T4 the transaction still lives.
   */
  protected forgetResponse(): void {
    this.lastResponse = undefined;
    this.to = undefined;
    this.send = sendNothing;
  }

  /**
   * Timer G or the 2xx timer, started over UDP only (§17.2.1, §13.3.1.4): resend after `first`,
   * doubling the interval up to T2.
   */
  protected startRetransmit(first: number): void {
    this.interval = first;
    this.retransmitAt = this.env.deadlines.elapsed() + first;
    this.arm();
  }

  /** Stop Timer G or the 2xx timer; `rearm` false when another timer is set right after. */
  protected stopRetransmit(rearm = true): void {
    this.retransmitAt = -1;
    if (rearm) this.arm();
  }

  /** The lifetime timer (H, I, J or L): the transaction terminates, `why`, when it fires. */
  protected startEnd(ms: number, why: string): void {
    this.endWhy = why;
    this.endAt = this.env.deadlines.elapsed() + ms;
    this.arm();
  }

  protected stopTu(): void {
    this.tuFn = undefined;
    this.arm();
  }

  /**
   * Clear every timer and report nothing: on terminating, so none is ever left to fire, and when
   * the store keeps the transaction as a record instead (transaction-store.ts `confirm`).
   */
  discard(): void {
    this.retransmitAt = -1;
    this.endAt = -1;
    this.tuFn = undefined;
    this.env.deadlines.cancel(this);
  }

  /**
   * Bring this Deadline forward to the earliest running timer, or cancel it. One due earlier stays:
   * `fire` finds nothing due and arms the next (docs/ARCHITECTURE.md, Transactions: why).
   */
  private arm(): void {
    let at = this.retransmitAt;
    if (this.endAt >= 0 && (at < 0 || this.endAt < at)) at = this.endAt;
    if (this.tuFn !== undefined && (at < 0 || this.tuAt < at)) at = this.tuAt;
    const deadlines = this.env.deadlines;
    if (at < 0) deadlines.cancel(this);
    else if (!this.scheduled || this.dueAt > at) deadlines.reschedule(this, at - deadlines.elapsed());
  }

  /** Called by the Deadlines queue when the earliest running timer is due. */
  override fire(): void {
    const now = this.env.deadlines.elapsed();
    const tu = this.tuFn;
    if (tu !== undefined && this.tuAt <= now) {
      this.tuFn = undefined;
      tu(); // may answer, which stops or starts timers
    }
    if (this.endAt >= 0 && this.endAt <= now) {
      this.terminate(this.endWhy);
      return;
    }
    if (this.retransmitAt >= 0 && this.retransmitAt <= now) {
      this.resendOnTimer();
      this.interval = Math.min(2 * this.interval, this.env.timers.t2);
      this.retransmitAt = now + this.interval;
    }
    this.arm();
  }
}
