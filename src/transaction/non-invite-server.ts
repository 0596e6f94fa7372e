/**
 * Non-INVITE server transaction, §17.2.2 (Figure 8):
 *
 *   Trying ──1xx──▶ Proceeding ──1xx──▶ Proceeding
 *   Trying / Proceeding ──200-699──▶ Completed ──Timer J (64·T1 UDP, 0 TCP)──▶ Terminated
 *
 * A retransmitted request is absorbed in Trying, answered with the last provisional in
 * Proceeding and with the final response in Completed.
 */
import type { TransitionTable } from './fsm.js';
import { ServerTransaction } from './server-transaction.js';

export type NonInviteState = 'trying' | 'proceeding' | 'completed' | 'terminated';

const TRANSITIONS: TransitionTable<NonInviteState> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['proceeding', 'completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

export class NonInviteServerTransaction<C> extends ServerTransaction<NonInviteState, C> {
  readonly kind = 'non-invite' as const;
  protected current: NonInviteState = 'trying';

  protected get transitions(): TransitionTable<NonInviteState> {
    return TRANSITIONS;
  }

  respond(bytes: Buffer, status: number): boolean {
    if (this.current !== 'trying' && this.current !== 'proceeding') return false;
    if (status < 200) {
      this.moveTo('proceeding');
      this.transmit(bytes, status);
      return true;
    }
    this.stopTu();
    this.moveTo('completed');
    this.transmit(bytes, status);
    // §17.2.2: "timer J to fire in 64*T1 seconds for unreliable transports, and zero seconds for reliable"
    if (this.reliable) this.terminate('timer J (reliable)');
    else {
      this.keepResponse();
      this.startEnd(64 * this.env.timers.t1, 'timer J');
    }
    return true;
  }

  onRetransmission(): void {
    // "Once in the Trying state, any further request retransmissions are discarded."
    if (this.current === 'proceeding' || this.current === 'completed') this.resend();
  }
}
