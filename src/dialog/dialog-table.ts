/**
 * Dialogs the server holds (§12): only those created by a 2xx to an INVITE (an `answer` user).
 * Identified by Call-ID, local tag (our To tag) and remote tag (their From tag), §12. Bounded and
 * expiring, so a client that never sends BYE cannot grow the table.
 */
import type { Clock, TimerHandle } from '../transaction/clock.js';
import { Fifo } from '../transaction/fifo.js';

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
}

interface Dialog extends DialogState {
  readonly key: string;
  remoteCSeq: number;
  awaitingAck: boolean;
  inviteInProgress: boolean;
  /** Called when the ACK for the 2xx arrives (stops the 2xx retransmissions). */
  onAck: (() => void) | undefined;
  expiry: TimerHandle;
}

function id(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\u0000${localTag}\u0000${remoteTag}`;
}

export class DialogTable {
  private readonly dialogs = new Map<string, Dialog>();
  /** Dialogs oldest first, for eviction (see transaction/fifo.ts for why not the Map's order). */
  private readonly age = new Fifo<Dialog>(this.dialogs, (d) => d.key);
  evictions = 0;

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly clock: Clock,
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
  create(callId: string, localTag: string, remoteTag: string, remoteCSeq: number, onAck: () => void): void {
    const key = id(callId, localTag, remoteTag);
    const existing = this.dialogs.get(key);
    if (existing !== undefined) this.clock.clearTimer(existing.expiry);
    while (this.dialogs.size >= this.max && existing === undefined) {
      const oldest = this.age.oldest();
      if (oldest === undefined) break;
      this.evictions++;
      this.endKey(oldest.key);
    }
    const dialog: Dialog = {
      key,
      callId,
      localTag,
      remoteTag,
      remoteCSeq,
      awaitingAck: true,
      inviteInProgress: false,
      onAck,
      expiry: this.clock.setTimer(() => this.endKey(key), this.ttlMs),
    };
    this.dialogs.set(key, dialog);
    this.age.push(dialog);
  }

  /** Record an in-order request's CSeq (§12.2.2) and what it does to the INVITE state. */
  update(callId: string, localTag: string, remoteTag: string, patch: Partial<Pick<Dialog, 'remoteCSeq' | 'inviteInProgress' | 'awaitingAck' | 'onAck'>>): void {
    const d = this.dialogs.get(id(callId, localTag, remoteTag));
    if (d !== undefined) Object.assign(d, patch);
  }

  /** The ACK for a 2xx arrived (§13.3.1.4). Returns false when no dialog matches. */
  ack(callId: string, localTag: string, remoteTag: string): boolean {
    const d = this.dialogs.get(id(callId, localTag, remoteTag));
    if (d === undefined) return false;
    d.awaitingAck = false;
    d.onAck?.();
    d.onAck = undefined;
    return true;
  }

  end(callId: string, localTag: string, remoteTag: string): boolean {
    return this.endKey(id(callId, localTag, remoteTag));
  }

  private endKey(key: string): boolean {
    const d = this.dialogs.get(key);
    if (d === undefined) return false;
    this.clock.clearTimer(d.expiry);
    this.dialogs.delete(key);
    return true;
  }

  clear(): void {
    for (const key of [...this.dialogs.keys()]) this.endKey(key);
    this.age.clear();
  }
}
