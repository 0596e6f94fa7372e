import type { Rule } from './rule.js';
import { reject } from './rule.js';

/**
 * §12.2.2: "If the UAS wishes to reject the request because it does not wish to recreate the
 * dialog, it MUST respond to the request with a 481 (Call/Transaction Does Not Exist) status code"
 * — a request with a To tag is in a dialog; one that matches none of ours is answered 481.
 * CANCEL is matched to transactions, not dialogs (§9.2), and ACK is never answered.
 */
export const dialogRule: Rule = {
  name: 'dialog',
  section: 'RFC 3261 §12.2.2',
  check(req, ctx) {
    if (req.to.tag === undefined || req.method === 'CANCEL' || req.method === 'ACK') return undefined;
    return ctx.dialogs.has(req.callId, req.to.tag, req.from.tag ?? '') ? undefined : reject(481);
  },
};
