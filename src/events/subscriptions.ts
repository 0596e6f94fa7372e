/**
 * The notifier's subscriptions (RFC 6665 §4.2): one per dialog (Call-ID, our tag, the subscriber's
 * tag), each with its expiry on the injected clock and the NOTIFY it owes. Bounded by count and by
 * the bytes of the dialog fields it keeps; a subscription that ended stays counted until its last
 * NOTIFY is answered or times out, so the NOTIFYs in flight are bounded too.
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import { buildNotify, newBranch, type NotifyDialog } from './notify-request.js';
import type { NotifyClient, NotifyResult, NotifyRoute } from './notify-client.js';
import { defaultBody, type EventBody } from './packages.js';

export interface SubscriptionLimits {
  readonly maxSubscriptions: number;
  readonly maxBytes: number;
}

export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

export interface NewSubscription {
  readonly id: DialogId;
  readonly dialog: NotifyDialog;
  readonly route: NotifyRoute;
  /** Event package and the resource it watches (the AOR, and its URI for the body's entity). */
  readonly pkg: string;
  readonly aor: string;
  readonly entity: string;
}

interface Subscription extends NewSubscription {
  readonly key: string;
  readonly bytes: number;
  cseq: number;
  /** NOTIFYs sent so far: the dialog-info version (RFC 4235 §4.1). */
  sent: number;
  expiresAt: number;
  expiry: TimerHandle | undefined;
  terminated: boolean;
  pending: string | undefined;
}

/** Fixed cost of an entry besides its strings (timers, counters, map slot). */
const ENTRY_OVERHEAD = 128;

export class SubscriptionStore {
  private readonly subs = new Map<string, Subscription>();
  private bytes = 0;

  constructor(
    private readonly clock: Clock,
    private readonly limits: () => SubscriptionLimits,
    private readonly client: NotifyClient,
    /** Published state of a resource (RFC 3903), when there is some, for the NOTIFY body. */
    private readonly published: (aor: string, pkg: string) => EventBody | undefined,
  ) {}

  get size(): number {
    return this.subs.size;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /** Whether a subscription of ours lives in this dialog (for a refresh, RFC 6665 §4.2.1.2). */
  has(id: DialogId): boolean {
    const s = this.subs.get(keyOf(id));
    return s !== undefined && !s.terminated;
  }

  /**
   * Accept a new subscription for `expires` seconds (0: a fetch, RFC 6665 §4.4.3) and send its
   * first NOTIFY; 'full' when the table has no room (nothing is created then).
   */
  subscribe(n: NewSubscription, expires: number): 'ok' | 'full' {
    const key = keyOf(n.id);
    const old = this.subs.get(key);
    if (old !== undefined) this.remove(old);
    const bytes = ENTRY_OVERHEAD + key.length + sizeOf(n.dialog) + n.pkg.length + n.aor.length + n.entity.length;
    const l = this.limits();
    if (this.subs.size >= l.maxSubscriptions || this.bytes + bytes > l.maxBytes) return 'full';
    const s: Subscription = { ...n, key, bytes, cseq: 0, sent: 0, expiresAt: 0, expiry: undefined, terminated: false, pending: undefined };
    this.subs.set(key, s);
    this.bytes += bytes;
    this.setExpiry(s, expires);
    return 'ok';
  }

  /** A refresh or, with 0, an unsubscribe (RFC 6665 §4.2.1.2, §4.2.1.4); false for no such subscription. */
  refresh(id: DialogId, expires: number): boolean {
    const s = this.subs.get(keyOf(id));
    if (s === undefined || s.terminated) return false;
    this.setExpiry(s, expires);
    return true;
  }

  close(): void {
    for (const s of this.subs.values()) {
      if (s.expiry !== undefined) this.clock.clearTimer(s.expiry);
      if (s.pending !== undefined) this.client.cancel(s.pending);
    }
    this.subs.clear();
    this.bytes = 0;
  }

  /**
   * RFC 6665 §4.2.1.1 / §4.2.1.2: "Upon successfully accepting or refreshing a subscription,
   * notifiers MUST send a NOTIFY request immediately to communicate the current resource state to
   * the subscriber." Sent from a zero-delay timer, so the 200 that accepts goes out first.
   */
  private setExpiry(s: Subscription, expires: number): void {
    if (s.expiry !== undefined) this.clock.clearTimer(s.expiry);
    s.expiry = undefined;
    if (expires === 0) {
      // RFC 6665 §4.2.1.4: an Expires of 0 ends the subscription, and its NOTIFY says so.
      s.terminated = true;
      this.clock.setTimer(() => this.notify(s, 'terminated;reason=timeout'), 0);
      return;
    }
    s.expiresAt = this.clock.now() + expires * 1000;
    s.expiry = this.clock.setTimer(() => this.expire(s), expires * 1000);
    this.clock.setTimer(() => this.notify(s, undefined), 0);
  }

  /** RFC 6665 §4.2.2: a subscription not refreshed in time ends with a NOTIFY "terminated;reason=timeout". */
  private expire(s: Subscription): void {
    s.expiry = undefined;
    s.terminated = true;
    this.notify(s, 'terminated;reason=timeout');
  }

  private notify(s: Subscription, terminal: string | undefined): void {
    if (this.subs.get(s.key) !== s) return;
    // The active state is decided when the NOTIFY is built, so a refresh racing an earlier timer
    // cannot send a stale "active".
    if (terminal === undefined && s.terminated) return;
    const left = Math.max(0, Math.ceil((s.expiresAt - this.clock.now()) / 1000));
    const state = terminal ?? `active;expires=${left}`;
    if (s.pending !== undefined) this.client.cancel(s.pending);
    const branch = newBranch();
    s.pending = branch;
    s.cseq++;
    const body = this.published(s.aor, s.pkg) ?? defaultBody(s.pkg, s.entity, s.sent);
    s.sent++;
    const bytes = buildNotify(s.dialog, { cseq: s.cseq, branch, state, body });
    this.client.start(branch, bytes, s.route, (r) => this.answered(s, branch, r));
  }

  /**
   * RFC 6665 §4.2.2: "A NOTIFY request is considered failed if the response times out, or a
   * non-200-class response code is received" (we can act on no Retry-After or challenge), and a
   * failed NOTIFY ends the subscription. A subscription already terminated ends with its last NOTIFY.
   */
  private answered(s: Subscription, branch: string, r: NotifyResult): void {
    if (s.pending === branch) s.pending = undefined;
    if (r === 'timeout' || r >= 300 || s.terminated) this.remove(s);
  }

  private remove(s: Subscription): void {
    if (this.subs.get(s.key) !== s) return;
    if (s.expiry !== undefined) this.clock.clearTimer(s.expiry);
    if (s.pending !== undefined) this.client.cancel(s.pending);
    this.subs.delete(s.key);
    this.bytes -= s.bytes;
  }
}

function keyOf(id: DialogId): string {
  return `${id.callId}\u0000${id.localTag}\u0000${id.remoteTag}`;
}

function sizeOf(d: NotifyDialog): number {
  let n = d.target.length + d.from.length + d.to.length + d.callId.length + d.sentBy.length + d.contact.length + d.event.length;
  for (const r of d.routes) n += r.length;
  return n;
}
