/**
 * INVITE server transaction, §17.2.1 (Figure 7), with the Accepted state of RFC 6026 §7.1.
 *
 *   Proceeding ──1xx──▶ Proceeding
 *   Proceeding ──300-699──▶ Completed   (Timer G: retransmit, UDP only; Timer H: give up)
 *   Proceeding ──2xx──▶ Accepted        (Timer L; 2xx retransmitted until its ACK, §13.3.1.4)
 *   Completed ──ACK──▶ Confirmed        (Timer I: absorb ACK retransmissions)
 *   Completed ──Timer H──▶ Terminated;  Confirmed ──Timer I──▶ Terminated;  Accepted ──Timer L──▶ Terminated
 */
import type { TransitionTable } from './fsm.js';
import { ServerTransaction } from './server-transaction.js';

export type InviteState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

const TRANSITIONS: TransitionTable<InviteState> = {
  proceeding: ['completed', 'accepted', 'terminated'],
  completed: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  accepted: ['terminated'],
  terminated: [],
};

export class InviteServerTransaction<C> extends ServerTransaction<InviteState, C> {
  readonly kind = 'invite' as const;
  protected current: InviteState = 'proceeding';
  /** Whether the ACK for our 2xx has arrived (it ends the 2xx retransmissions). */
  acked = false;

  protected get transitions(): TransitionTable<InviteState> {
    return TRANSITIONS;
  }

  respond(bytes: Buffer, status: number): boolean {
    if (this.current !== 'proceeding') return false;
    const { t1 } = this.env.timers;
    if (status < 200) {
      this.transmit(bytes, status);
      return true;
    }
    this.stopTu();
    this.transmit(bytes, status);
    // Kept until the ACK with no timer to resend it on a reliable transport; on UDP, Timer G keeps it.
    if (this.reliable) this.keepResponse();
    if (status < 300) {
      // RFC 6026 §7.1: a 2xx moves the transaction to Accepted, where it lives for Timer L = 64·T1
      // to absorb retransmitted INVITEs; the UAS core retransmits the 2xx until the ACK (§13.3.1.4).
      this.moveTo('accepted');
      this.startEnd(64 * t1, 'timer L');
      if (!this.reliable) this.startRetransmit(t1); // the 2xx timer
      return true;
    }
    // §17.2.1: "the server transaction MUST enter the Completed state. For unreliable transports,
    // timer G is set to fire in T1 seconds … When the 'Completed' state is entered, timer H MUST
    // be set to fire in 64*T1 seconds for all transports."
    this.moveTo('completed');
    if (!this.reliable) this.startRetransmit(t1); // Timer G
    this.startEnd(64 * t1, 'timer H: no ACK');
    return true;
  }

  onRetransmission(): void {
    // Proceeding: "the most recent provisional response … MUST be passed to the transport layer
    // for retransmission"; Completed: "the server SHOULD pass the response to the transport for
    // retransmission"; Accepted: RFC 6026 §7.1 absorbs it, and resending the 2xx too helps a
    // client whose copy was lost. Confirmed and Terminated absorb it.
    const c = this.current;
    if (c === 'proceeding' || c === 'completed' || (c === 'accepted' && !this.acked)) this.resend();
  }

  /** An ACK matched to this transaction (§17.2.3): of our non-2xx final, or of a 2xx in Accepted. */
  onAck(): void {
    if (this.current === 'accepted') {
      this.onAck2xx();
      return;
    }
    if (this.current !== 'completed') return; // absorbed in Confirmed
    this.stopRetransmit(false);
    this.moveTo('confirmed');
    // Confirmed absorbs everything and sends nothing more (§17.2.1): the cached response is dead
    // weight for the T4 it still lives — most of a busy server's live INVITE transactions.
    this.forgetResponse();
    // "timer I is set to fire in T4 seconds for unreliable transports, and zero seconds for
    // reliable transports" — it replaces Timer H, which only runs in Completed.
    if (this.reliable) this.terminate('confirmed');
    else this.startEnd(this.env.timers.t4, 'timer I');
  }

  /** The ACK for our 2xx arrived (matched through the dialog): stop retransmitting it. */
  onAck2xx(): void {
    this.acked = true;
    this.stopRetransmit();
  }
}
