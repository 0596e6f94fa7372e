/**
 * The SDP body of a 2xx (RFC 3264): an answer to the request's offer, or an offer when it had none.
 */
import { sdpAnswer } from '../dialog/sdp-answer.js';
import { supportedMediaSdp } from '../sdp/supported-sdp.js';
import { unescape } from '../sip/charset.js';
import { getHeader } from '../sip/message.js';
import { isIPv4 } from '../sip/parse-uri.js';
import type { SipRequest } from '../sip/message.js';
import { sdpOfBody } from '../sdp/sdp-body.js';
import type { RuleContext } from './rule.js';

export function sdpBodyFor(req: SipRequest, ctx: RuleContext): { type: string; content: string } {
  const offer = sdpOfBody(req.contentType, getHeader(req.headers, 'content-type'), req.body);
  const codecs = codecsFor(req, ctx).map((c) => c.toLowerCase());
  const accepts = (codec: string): boolean => codecs.includes(codec.toLowerCase());
  return { type: 'application/sdp', content: sdpAnswer(offer, { address: mediaAddress(req, ctx), sessionId: req.cseq.seq }, accepts) };
}

/** The codecs a call to the Request-URI user may use: the user's own `codecs`, else sip.codecs. */
export function codecsFor(req: SipRequest, ctx: RuleContext): readonly string[] {
  const users = ctx.config.users;
  const name = req.uri.user === undefined ? undefined : unescape(req.uri.user);
  const own = name !== undefined && Object.hasOwn(users, name) ? users[name]?.codecs : undefined;
  return own ?? ctx.config.sip.codecs;
}

/** A session description of the media a call to this user could use (the body of a 488). */
export function supportedSdpBodyFor(req: SipRequest, ctx: RuleContext): { type: string; content: string } {
  return { type: 'application/sdp', content: supportedMediaSdp(codecsFor(req, ctx), { address: mediaAddress(req, ctx), sessionId: req.cseq.seq }) };
}

/** The address the client reached us at: the Request-URI host when it is an IP, else our bound one. */
function mediaAddress(req: SipRequest, ctx: RuleContext): string {
  const host = req.uri.host;
  if (isIPv4(host, 0, host.length)) return host;
  if (host.startsWith('[')) return host.slice(1, -1);
  const local = ctx.flow.local.address;
  return local === '0.0.0.0' || local === '::' ? (ctx.flow.local.family === 'IPv6' ? '::1' : '127.0.0.1') : local;
}
