/**
 * Dialogs the server holds (§12): only those created by a 2xx to an INVITE (an `answer` user).
 * Identified by Call-ID, local tag (our To tag) and remote tag (their From tag), §12. Bounded and
 * expiring, so a client that never sends BYE cannot grow the table.
 */
import { detached } from '../util/detached.js';
import { AgeList } from '../util/age-list.js';
import { Deadline, type Deadlines } from '../util/deadlines.js';
import type { RtpFormat } from '../media/rtp-source.js';
import type { Endpoint } from '../sdp/sdp-streams.js';
import { answerToOffer } from './sdp-answer.js';

/** The SDP side of a dialog: what RFC 3264 §8 needs to keep the o= line, and our media port. */
export interface DialogMedia {
  readonly sessionId: number;
  readonly version: number;
  /** Our last SDP minus its o= line, to tell a changed description from a repeated one. */
  readonly session: string;
  /** Our RTP port (media service); RTCP would be port + 1. */
  readonly port: number;
  /** Our 2xx carried an offer (the request had none): its answer is due in the ACK (RFC 3261 §13.2.1). */
  readonly awaitingAnswer: boolean;
}

/** What a 2xx of ours did to the dialog's media: its SDP state and where the media now goes. */
export interface MediaPlan {
  readonly media: DialogMedia;
  readonly remote: Endpoint | undefined;
  readonly echo: boolean;
  readonly format?: RtpFormat | undefined;
}

/** The media service, as dialogs drive it: a session per dialog, keyed by our port. */
export interface DialogMediaSink {
  /** Start a session on `port`, or point an existing one elsewhere. */
  start(port: number, remote: Endpoint | undefined, echo: boolean, format?: RtpFormat): void;
  /** The ACK of the dialog's 2xx arrived: the peer is proven to receive at its address. */
  confirm(port: number): void;
  stop(port: number): void;
}

export interface DialogTableOptions {
  /**
   * RFC 3261 §13.3.1.4: a 2xx retransmitted for 64*T1 without an ACK leaves "the dialog …
   * confirmed, but the session SHOULD be terminated"; we end the dialog and its media then.
   */
  readonly ackTimeoutMs?: number;
  readonly media?: DialogMediaSink;
  /** `limits.memory.dialogsBytes`: over it the oldest dialog is ended first. */
  readonly maxBytes?: number;
}

/**
 * What a dialog costs beyond its strings: the object, two Deadlines, its Map slot and the closure
 * that stops its 2xx retransmissions (the transaction it points at is charged by the transaction
 * store).
 */
export const DIALOG_OVERHEAD_BYTES = 640;

export interface DialogState {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** Highest CSeq number seen from the remote side (§12.2.2). */
  readonly remoteCSeq: number;
  /** A 2xx to an INVITE in this dialog has not been ACKed yet. */
  readonly awaitingAck: boolean;
  /** An INVITE in this dialog has no final response yet. */
  readonly inviteInProgress: boolean;
  /** Our SDP state, for a dialog created with one. */
  readonly media: DialogMedia | undefined;
}

interface Dialog extends DialogState {
  readonly key: string;
  remoteCSeq: number;
  awaitingAck: boolean;
  inviteInProgress: boolean;
  /** Called when the ACK for the 2xx arrives (stops the 2xx retransmissions). */
  onAck: (() => void) | undefined;
  media: DialogMedia | undefined;
  /** The dialog TTL (`transactions.dialogTtlMs`), and the §13.3.1.4 wait for the ACK of a 2xx. */
  readonly expiry: Deadline;
  readonly ackDeadline: Deadline;
  /** Bytes charged against `maxBytes`. */
  bytes: number;
  /** Its neighbours in the age order (util/age-list.ts). */
  older: Dialog | undefined;
  newer: Dialog | undefined;
}

function id(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\u0000${localTag}\u0000${remoteTag}`;
}

export class DialogTable {
  private readonly dialogs = new Map<string, Dialog>();
  /** §14.2: INVITE transactions (by key) in a dialog whose final response is not sent yet → dialog key. */
  private readonly pendingInvites = new Map<string, string>();
  /** Dialogs oldest first, for eviction. */
  private readonly age = new AgeList<Dialog>();
  evictions = 0;
  /** Bytes charged for the dialogs held (`limits.memory.dialogsBytes`). */
  bytes = 0;

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly deadlines: Deadlines,
    private readonly options: DialogTableOptions = {},
  ) {}

  get size(): number {
    return this.dialogs.size;
  }

  get(callId: string, localTag: string, remoteTag: string): DialogState | undefined {
    return this.dialogs.get(id(callId, localTag, remoteTag));
  }

  has(callId: string, localTag: string, remoteTag: string): boolean {
    return this.dialogs.has(id(callId, localTag, remoteTag));
  }

  /** A 2xx to an INVITE went out: the dialog is established (awaiting its ACK). */
  create(callId: string, localTag: string, remoteTag: string, remoteCSeq: number, onAck: () => void, plan?: MediaPlan): void {
    // The request's strings are slices of its whole header text (a 60 KB Via kept ~120 KB per
    // dialog): the key is flattened into a string of its own and the fields are read back from it.
    const key = detached(id(callId, localTag, remoteTag));
    const bytes = DIALOG_OVERHEAD_BYTES + key.length + (plan?.media.session.length ?? 0);
    const existing = this.dialogs.get(key);
    if (existing !== undefined) this.stopTimers(existing);
    if (existing?.media !== undefined && existing.media.port !== plan?.media.port) this.options.media?.stop(existing.media.port);
    if (existing !== undefined) this.age.remove(existing);
    if (existing !== undefined) this.bytes -= existing.bytes;
    const maxBytes = this.options.maxBytes ?? Number.POSITIVE_INFINITY;
    for (let oldest = this.age.oldest; oldest !== undefined && ((this.dialogs.size >= this.max && existing === undefined) || this.bytes + bytes > maxBytes); oldest = this.age.oldest) {
      this.evictions++;
      this.endKey(oldest.key);
    }
    const dialog: Dialog = {
      key,
      callId: key.slice(0, callId.length),
      localTag: key.slice(callId.length + 1, callId.length + 1 + localTag.length),
      remoteTag: key.slice(key.length - remoteTag.length),
      remoteCSeq,
      awaitingAck: true,
      inviteInProgress: false,
      onAck,
      media: plan?.media,
      expiry: new Deadline(() => this.endKey(key)),
      ackDeadline: new Deadline(() => {
        if (dialog.awaitingAck) this.endKey(key);
      }),
      bytes,
      older: undefined,
      newer: undefined,
    };
    this.bytes += bytes;
    this.deadlines.reschedule(dialog.expiry, this.ttlMs);
    this.dialogs.set(key, dialog);
    this.age.push(dialog);
    this.awaitAck(dialog);
    if (plan !== undefined) this.options.media?.start(plan.media.port, plan.remote, plan.echo, plan.format);
  }

  private awaitAck(d: Dialog): void {
    const ms = this.options.ackTimeoutMs;
    if (ms !== undefined) this.deadlines.reschedule(d.ackDeadline, ms);
  }

  private stopTimers(d: Dialog): void {
    this.deadlines.cancel(d.expiry);
    this.deadlines.cancel(d.ackDeadline);
  }

  /** Record an in-order request's CSeq (§12.2.2) and what it does to the INVITE state. */
  update(
    callId: string,
    localTag: string,
    remoteTag: string,
    patch: Partial<Pick<Dialog, 'remoteCSeq' | 'inviteInProgress' | 'awaitingAck' | 'onAck'>>,
    plan?: MediaPlan,
  ): void {
    const d = this.dialogs.get(id(callId, localTag, remoteTag));
    if (d === undefined) return;
    Object.assign(d, patch);
    if (patch.awaitingAck === true) this.awaitAck(d);
    if (plan === undefined) return;
    const bytes = d.bytes - (d.media?.session.length ?? 0) + plan.media.session.length;
    this.bytes += bytes - d.bytes;
    d.bytes = bytes;
    d.media = plan.media;
    this.options.media?.start(plan.media.port, plan.remote, plan.echo, plan.format);
  }

  /**
   * §14.2: a re-INVITE's final response is deferred; until `inviteEnded(txKey)` a second INVITE in
   * the dialog "before it sends the final response to a first INVITE" gets 500 (rules/dialog.ts).
   */
  inviteStarted(txKey: string, callId: string, localTag: string, remoteTag: string): void {
    const d = this.dialogs.get(id(callId, localTag, remoteTag));
    if (d === undefined) return;
    d.inviteInProgress = true;
    this.pendingInvites.set(txKey, d.key);
  }

  /** The transaction's final response went out, or the transaction ended without one. */
  inviteEnded(txKey: string): void {
    if (this.pendingInvites.size === 0) return;
    const key = this.pendingInvites.get(txKey);
    if (key === undefined) return;
    this.pendingInvites.delete(txKey);
    const d = this.dialogs.get(key);
    if (d !== undefined) d.inviteInProgress = false;
  }

  /**
   * The ACK for a 2xx arrived (§13.3.1.4), with its SDP if it had one. Returns false when no dialog
   * matches. When our 2xx made the offer, the ACK carries the answer (§13.2.1); an ACK without one
   * breaks that rule, and the media then goes back to wherever the client's packets come from.
   */
  ack(callId: string, localTag: string, remoteTag: string, sdp?: string): boolean {
    const d = this.dialogs.get(id(callId, localTag, remoteTag));
    if (d === undefined) return false;
    d.awaitingAck = false;
    this.deadlines.cancel(d.ackDeadline);
    d.onAck?.();
    d.onAck = undefined;
    if (d.media?.awaitingAnswer === true) {
      d.media = { ...d.media, awaitingAnswer: false };
      const answer = answerToOffer(sdp);
      this.options.media?.start(d.media.port, answer.remote, answer.echo, answer.format);
    }
    if (d.media !== undefined) this.options.media?.confirm(d.media.port);
    return true;
  }

  end(callId: string, localTag: string, remoteTag: string): boolean {
    return this.endKey(id(callId, localTag, remoteTag));
  }

  private endKey(key: string): boolean {
    const d = this.dialogs.get(key);
    if (d === undefined) return false;
    this.stopTimers(d);
    this.dialogs.delete(key);
    this.age.remove(d);
    this.bytes -= d.bytes;
    if (d.media !== undefined) this.options.media?.stop(d.media.port);
    return true;
  }

  clear(): void {
    for (const key of [...this.dialogs.keys()]) this.endKey(key);
    this.age.clear();
    this.pendingInvites.clear();
    this.bytes = 0;
  }
}
