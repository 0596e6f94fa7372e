import type { SipRequest } from '../sip/message.js';
import type { HeaderPair } from '../sip/response.js';
import type { Decision, Rule, RuleContext } from './rule.js';
import { reject } from './rule.js';
import { sessionBodyFor } from './media.js';
import type { DialogMedia } from '../dialog/dialog-table.js';

/** Methods a dialog of ours accepts once established; others are answered 405 with this Allow. */
const IN_DIALOG_OK = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'UPDATE', 'INFO', 'MESSAGE', 'OPTIONS', 'NOTIFY', 'PRACK'];

/**
 * Requests inside a dialog (a To tag), §12.2.2:
 * - no such dialog → 481 ("the UAS … MUST respond to the request with a 481");
 * - CSeq lower than the last one seen → 500 ("the request is out of order and MUST be rejected
 *   with a 500 (Server Internal Error) response");
 * - §14.2: an INVITE "before it sends the final response to a first INVITE with a lower CSeq" → 500
 *   with Retry-After between 0 and 10 s; an INVITE while our own INVITE exchange is unfinished —
 *   here, our 2xx still waits for its ACK — → 491 (Request Pending);
 * - BYE → 200 and the dialog ends (§15.1.2); a re-INVITE → 200 with a new answer (§14.2) whose
 *   o= keeps the dialog's session id (RFC 3264 §8, rules/media.ts);
 * - §15.1.2: "If the BYE does not match an existing dialog, the UAS core SHOULD generate a 481" —
 *   a BYE without a To tag matches none (§12.2.2 matches on the To tag), so it gets 481 too.
 * CANCEL is matched to transactions, not dialogs (§9.2), and ACK is never answered.
 */
export const dialogRule: Rule = {
  name: 'dialog',
  section: 'RFC 3261 §12.2.2, §14.2, §15.1.2',
  check(req, ctx) {
    if (req.method === 'CANCEL' || req.method === 'ACK') return undefined;
    if (req.to.tag === undefined) return req.method === 'BYE' ? reject(481) : undefined;
    const d = ctx.dialogs.get(req.callId, req.to.tag, req.from.tag ?? '');
    if (d === undefined) {
      // A SUBSCRIBE refreshing or ending a subscription belongs to that subscription's dialog
      // (RFC 6665 §4.1.2.1, §4.2.1.2): the event rule serves it.
      const id = { callId: req.callId, localTag: req.to.tag, remoteTag: req.from.tag ?? '' };
      if (req.method === 'SUBSCRIBE' && ctx.services.events.subscriptions.has(id)) return undefined;
      return reject(481);
    }
    if (req.cseq.seq < d.remoteCSeq) return reject(500, undefined, 'Out of Order CSeq');
    switch (req.method) {
      case 'INVITE':
        if (d.inviteInProgress) return reject(500, [['Retry-After', String(Math.floor(Math.random() * 11))]]);
        if (d.awaitingAck) return reject(491);
        return reinvite(req, ctx, d.media);
      case 'BYE':
        return { status: 200, dialog: 'end' };
      case 'UPDATE':
        return answerWithMedia(req, ctx, d.media);
      default:
        if (IN_DIALOG_OK.includes(req.method)) return { status: 200 };
        return reject(405, [['Allow', IN_DIALOG_OK.join(', ')]]);
    }
  },
};

/**
 * A re-INVITE is answered after `calls.reinviteMs` (100 Trying first, §17.2.1); until its final
 * response goes out the core marks the dialog, and a second INVITE gets the §14.2 500 above.
 */
function reinvite(req: SipRequest, ctx: RuleContext, prior: DialogMedia | undefined): Decision {
  const answer = answerWithMedia(req, ctx, prior);
  const delayMs = ctx.config.calls.reinviteMs;
  return delayMs > 0 ? { ...answer, delayMs } : answer;
}

/**
 * A re-INVITE always gets SDP in its 2xx (an answer, or an offer when it had none, RFC 3264 §5);
 * an UPDATE only when it carried an offer (RFC 3311 §5.2).
 */
function answerWithMedia(req: SipRequest, ctx: RuleContext, prior: DialogMedia | undefined): Decision {
  const headers: HeaderPair[] = [['Contact', ctx.contact(req)]];
  const sdp = req.method === 'INVITE' || req.contentType === 'application/sdp' ? sessionBodyFor(req, ctx, prior) : undefined;
  return { status: 200, headers, body: sdp?.body, media: sdp?.media };
}
