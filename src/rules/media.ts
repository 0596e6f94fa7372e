/**
 * The SDP body of a 2xx (RFC 3264): an answer to the request's offer (§6), or an offer when it had
 * none (§5), with the o= line the dialog keeps (§8) and the media port of the call.
 */
import type { DialogMedia, MediaPlan } from '../dialog/dialog-table.js';
import { sdpAnswer, sdpOffer } from '../dialog/sdp-answer.js';
import { newSessionId, nextVersion, withOrigin } from '../sdp/sdp-origin.js';
import { supportedMediaSdp } from '../sdp/supported-sdp.js';
import { unescape } from '../sip/charset.js';
import { getHeader } from '../sip/message.js';
import { reachedAt } from '../core/contact.js';
import type { SipRequest } from '../sip/message.js';
import { sdpOfBody } from '../sdp/sdp-body.js';
import type { RuleContext } from './rule.js';

export interface SessionBody {
  readonly body: { readonly type: string; readonly content: string };
  readonly media: MediaPlan;
}

/**
 * The SDP of a 2xx to `req`, for a new dialog (`prior` undefined: a port is reserved for the call)
 * or one whose last SDP was `prior`. Undefined when no media port is free (media.maxSessions).
 */
export function sessionBodyFor(req: SipRequest, ctx: RuleContext, prior: DialogMedia | undefined): SessionBody | undefined {
  const port = prior?.port ?? ctx.services.media.reservePort();
  if (port === undefined) return undefined;
  const offer = sdpOfBody(req.contentType, getHeader(req.headers, 'content-type'), req.body);
  const address = mediaAddress(ctx);
  const codecs = codecsFor(req, ctx);
  const lower = codecs.map((c) => c.toLowerCase());
  const sdp = offer === undefined ? sdpOffer(codecs, address, port) : sdpAnswer(offer, address, port, (c) => lower.includes(c.toLowerCase()));
  const sessionId = prior?.sessionId ?? newSessionId();
  const version = nextVersion(prior, sdp.session);
  return {
    body: { type: 'application/sdp', content: withOrigin(sdp.session, address, sessionId, version) },
    media: {
      media: { sessionId, version, session: sdp.session, port, awaitingAnswer: offer === undefined },
      remote: sdp.remote,
      echo: sdp.echo,
      format: sdp.format,
    },
  };
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
  return { type: 'application/sdp', content: supportedMediaSdp(codecsFor(req, ctx), { address: mediaAddress(ctx), sessionId: req.cseq.seq }) };
}

/**
 * The address of our media (o= and c=, RFC 4566 §5.2, §5.7): where the client reached us, as for
 * the dialog's Contact (core/contact.ts) — never the Request-URI host, which names the proxy when
 * there is one. The media socket binds server.host, so this address reaches it.
 */
function mediaAddress(ctx: RuleContext): string {
  const host = reachedAt(ctx.flow, ctx.config.server.advertise).host;
  return host.startsWith('[') ? host.slice(1, -1) : host;
}
