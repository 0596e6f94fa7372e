/**
 * The SDP body of a 2xx (RFC 3264): an answer to the request's offer, or an offer when it had none.
 */
import { sdpAnswer } from '../dialog/sdp-answer.js';
import { isIPv4 } from '../sip/parse-uri.js';
import type { SipRequest } from '../sip/message.js';
import type { RuleContext } from './rule.js';

export function sdpBodyFor(req: SipRequest, ctx: RuleContext): { type: string; content: string } {
  const offer = req.contentType === 'application/sdp' && req.body.length > 0 ? req.body.toString('latin1') : undefined;
  return { type: 'application/sdp', content: sdpAnswer(offer, { address: mediaAddress(req, ctx), sessionId: req.cseq.seq }) };
}

/** The address the client reached us at: the Request-URI host when it is an IP, else our bound one. */
function mediaAddress(req: SipRequest, ctx: RuleContext): string {
  const host = req.uri.host;
  if (isIPv4(host, 0, host.length)) return host;
  if (host.startsWith('[')) return host.slice(1, -1);
  const local = ctx.flow.local.address;
  return local === '0.0.0.0' || local === '::' ? (ctx.flow.local.family === 'IPv6' ? '::1' : '127.0.0.1') : local;
}
