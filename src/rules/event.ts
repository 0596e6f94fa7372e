/**
 * Event packages (RFC 6665, RFC 3903): a SUBSCRIBE or PUBLISH for a package we do not serve is
 * refused with 489 Bad Event and the packages we do serve. For a package we serve, addressed to a
 * user with a password (an address-of-record that may register, so one whose state we keep), this
 * server is the notifier (RFC 6665 §4.2) and the event state compositor (RFC 3903 §6); requests for
 * any other Request-URI go on down the pipeline like any other request to that user (an unknown
 * one gets the default 404, which is what §6 step 1 asks of an ESC for a resource it does not
 * handle). The state itself is kept by src/events/.
 */
import { unescape } from '../sip/charset.js';
import { getHeader, getHeaderList, type SipRequest } from '../sip/message.js';
import type { HeaderPair } from '../sip/response.js';
import { parseDeltaSeconds } from '../registrar/expiry.js';
import { bodyTypesOf } from '../events/packages.js';
import { requiredHeaders } from './catalogue.js';
import type { Decision, Rule, RuleContext } from './rule.js';
import { reject } from './rule.js';

export const eventRule: Rule = {
  name: 'event',
  section: 'RFC 6665 §4.2, §8.2.1, §8.3; RFC 3903 §6',
  check(req, ctx) {
    if (req.method !== 'SUBSCRIBE' && req.method !== 'PUBLISH') return undefined;
    const events = req.headers.filter((h) => h.name === 'event');
    if (events.length === 0) {
      // RFC 3903 §6 step 2: "If the Event header field is missing or contains an event package
      // which the ESC does not support, the ESC MUST respond to the PUBLISH request with a 489".
      if (req.method === 'PUBLISH') return badEvent(req, ctx);
      // RFC 6665 §8.2.1: a SUBSCRIBE carries exactly one Event header field; without one it is
      // not a well-formed subscription at all (§21.4.1 400, the reason naming what is missing).
      return reject(400, undefined, 'Missing Event header field');
    }
    if (events.length > 1) return reject(400, undefined, 'Duplicate Event header field');
    const value = (events[0] as { value: string }).value;
    const type = eventType(value);
    if (type === undefined) return reject(400, undefined, 'Malformed Event header field');
    // RFC 6665 §8.2.1: event-types are compared byte-by-byte — so exactly, case included.
    // RFC 6665 §8.3 (489 Bad Event): the server did not understand the event package named in the
    // Event header field; Allow-Events lists the ones it does.
    if (!ctx.config.sip.events.includes(type)) return badEvent(req, ctx);
    const aor = resourceOf(req, ctx);
    if (aor === undefined) return undefined;
    return req.method === 'PUBLISH' ? publish(req, ctx, aor, type) : subscribe(req, ctx, aor, type, value);
  },
};

function badEvent(req: SipRequest, ctx: RuleContext): Decision {
  return reject(489, requiredHeaders(489, req, ctx));
}

/** The user a SIP or SIPS Request-URI names, when it is one whose event state we keep. */
function resourceOf(req: SipRequest, ctx: RuleContext): string | undefined {
  if ((req.uri.scheme !== 'sip' && req.uri.scheme !== 'sips') || req.uri.user === undefined) return undefined;
  const name = unescape(req.uri.user);
  const users = ctx.config.users;
  return Object.hasOwn(users, name) && users[name]?.password !== undefined ? name : undefined;
}

/** RFC 3903 §6, steps 3 to 6, for a resource and package we serve. */
function publish(req: SipRequest, ctx: RuleContext, aor: string, pkg: string): Decision {
  const cfg = ctx.config.events;
  const store = ctx.services.events.publications;
  // Step 3: "if the request has a SIP-If-Match header field, the ESC checks whether the header
  // field contains a single entity-tag. If not, the request is invalid, and the ESC MUST return
  // with a 400 (Invalid Request) response".
  const ifMatch = getHeaderList(req.headers, 'sip-if-match');
  if (ifMatch.length > 1 || (ifMatch.length === 1 && !/^[\x21-\x7e]+$/.test(ifMatch[0] as string))) {
    return reject(400, undefined, 'Invalid SIP-If-Match header field');
  }
  const etag = ifMatch[0];
  // Step 4: "If the request has an Expires header field, that value MUST be taken as the requested
  // expiration. Else, a locally-configured default value MUST be taken"; "Only if the requested
  // expiration interval is greater than zero and less than a locally-configured minimum, the ESC
  // MAY reject the publication with a response of 423 (Interval Too Brief) … This response MUST
  // contain a Min-Expires header field".
  const expires = grant(req, ctx);
  if (expires === 'too-brief') return reject(423, [['Min-Expires', String(cfg.minExpires)]]);
  // Step 5: "If the content type of the request does not match the event package, or is not
  // understood by the ESC, the ESC MUST reject the request with an appropriate response, such as
  // 415 (Unsupported Media Type)".
  const bad = badBody(req, ctx, pkg);
  if (bad !== undefined) return bad;
  const body = req.body.length === 0 ? undefined : { type: req.contentType as string, body: Buffer.from(req.body) };
  let outcome;
  if (etag === undefined) {
    // "If the request has no message body and contained no entity-tag, the ESC SHOULD reject the
    // request with an appropriate response, such as 400 (Invalid Request)".
    if (body === undefined) return reject(400, undefined, 'Missing Body in Initial PUBLISH');
    outcome = store.initial(aor, pkg, body, expires);
  } else {
    outcome = store.update(etag, aor, pkg, body, expires);
  }
  // Step 3: "If no match is found, the ESC MUST reject the publication with a response of 412
  // (Conditional Request Failed)". (Checked here, after 423 and 415, because the lookup changes
  // state; both of those leave the store as it was, so the order is not visible to a client.)
  if (outcome.kind === 'no-match') return reject(412);
  // "If internal errors … occur before processing is complete, the publication MUST NOT succeed":
  // a full store is temporary (§21.5.4 503 with Retry-After).
  if (outcome.kind === 'full') return reject(503, [['Retry-After', String(ctx.config.catalogue.retryAfter)]], 'Publication Store Full');
  // Step 6: "The response MUST contain an Expires header field indicating the expiration interval
  // chosen by the ESC. The response MUST also contain a SIP-ETag header field".
  return { status: 200, headers: [['SIP-ETag', outcome.etag], ['Expires', String(expires)]] };
}

/**
 * RFC 6665 §4.2.1.1 for a new subscription, §4.2.1.2 for a refresh (a SUBSCRIBE in its dialog;
 * Expires 0 ends it, §4.2.1.4). The NOTIFY that must follow is sent by src/events/ once this 200
 * is out.
 */
function subscribe(req: SipRequest, ctx: RuleContext, aor: string, pkg: string, event: string): Decision {
  // "If and only if the expiration interval is greater than zero AND smaller than one hour AND
  // less than a notifier-configured minimum, the notifier MAY return a 423 (Interval Too Brief)
  // error that contains a "Min-Expires" header field"; a 200's Expires "MAY shorten the interval
  // but MUST NOT lengthen it".
  const expires = grant(req, ctx);
  if (expires === 'too-brief') return reject(423, [['Min-Expires', String(ctx.config.events.minExpires)]]);
  const events = ctx.services.events;
  const contact = ctx.contact(req);
  const remoteTag = req.from.tag ?? '';
  if (req.to.tag !== undefined) {
    // §4.2.1.2 / RFC 3261 §12.2.2: a refresh for a subscription we do not hold gets 481.
    if (!events.subscriptions.refresh({ callId: req.callId, localTag: req.to.tag, remoteTag }, expires)) return reject(481);
    return { status: 200, headers: [['Expires', String(expires)], ['Contact', contact]] };
  }
  // RFC 3261 §8.1.1.8: a request that can establish a dialog MUST carry exactly one Contact (a SIP
  // or SIPS URI); it is the remote target our NOTIFYs are addressed to (§12.1.1).
  if (req.contact === undefined || req.contact === '*' || req.contact.length !== 1) {
    return reject(400, undefined, req.contact === undefined ? 'Missing Contact header field' : 'Invalid Contact header field');
  }
  const routes = req.headers.filter((h) => h.name === 'record-route').map((h) => h.value);
  const localTag = events.deps.toTag(req, ctx.flow.remote.address);
  const outcome = events.subscriptions.subscribe(
    {
      id: { callId: req.callId, localTag, remoteTag },
      dialog: {
        target: (req.contact[0] as { uri: { raw: string } }).uri.raw,
        routes,
        from: `${getHeader(req.headers, 'to') ?? ''};tag=${localTag}`,
        to: getHeader(req.headers, 'from') ?? '',
        callId: req.callId,
        viaTransport: ctx.flow.transport.toUpperCase(),
        sentBy: sentByOf(contact, ctx),
        contact,
        event,
      },
      // RFC 3581 §4 / RFC 3261 §18.2.2 in spirit: the subscriber's own source address and flow,
      // which is where it listens when it sits behind NAT and what a TCP connection already is.
      route: { send: ctx.flow.send, to: { address: ctx.flow.remote.address, port: ctx.flow.remote.port }, reliable: ctx.flow.transport !== 'udp' },
      pkg,
      aor,
      entity: `${req.uri.scheme}:${req.uri.user ?? ''}@${req.uri.host}`,
    },
    expires,
  );
  if (outcome === 'full') return reject(503, [['Retry-After', String(ctx.config.catalogue.retryAfter)]], 'Subscription Table Full');
  // RFC 3261 §12.1.1: the UAS copies Record-Route into a dialog-creating 2xx and adds a Contact.
  const headers: HeaderPair[] = routes.map((r) => ['Record-Route', r] as const);
  headers.push(['Expires', String(expires)], ['Contact', contact]);
  return { status: 200, headers };
}

/** host:port of our Contact, for the Via of our NOTIFYs (where their responses must come back). */
function sentByOf(contact: string, ctx: RuleContext): string {
  const m = /^<sips?:(?:[^@>]*@)?(\[[^\]]+\]|[^:;>]+)(?::(\d+))?/.exec(contact);
  if (m === null) return `${ctx.flow.local.family === 'IPv6' ? `[${ctx.flow.local.address}]` : ctx.flow.local.address}:${ctx.flow.local.port}`;
  return `${m[1] as string}:${m[2] ?? String(ctx.flow.local.port)}`;
}

/** Expires asked for (or the default), granted: capped at the maximum, 'too-brief' for 423. */
function grant(req: SipRequest, ctx: RuleContext): number | 'too-brief' {
  const cfg = ctx.config.events;
  const raw = req.headers.find((h) => h.name === 'expires')?.value;
  const requested = raw === undefined ? cfg.defaultExpires : parseDeltaSeconds(raw);
  if (requested > 0 && requested < cfg.minExpires) return 'too-brief';
  return Math.min(requested, cfg.maxExpires);
}

/** A body we cannot take as this package's state: 400 without Content-Type, 415 otherwise. */
function badBody(req: SipRequest, ctx: RuleContext, pkg: string): Decision | undefined {
  if (req.body.length === 0) return undefined;
  // RFC 3261 §20.15: "The Content-Type header field MUST be present if the body is not empty."
  if (req.contentType === undefined) return reject(400, undefined, 'Missing Content-Type header field');
  const types = bodyTypesOf(pkg);
  // RFC 3261 §8.2.3: a 415 "MUST contain an Accept header field listing the types of all bodies it
  // understands" — for this package, its state's types.
  if (!types.includes(req.contentType)) return reject(415, [['Accept', types.join(', ')]]);
  const encodings = ctx.config.sip.acceptEncodings.map((e) => e.toLowerCase());
  const unknown = getHeaderList(req.headers, 'content-encoding').some((e) => !encodings.includes(e.toLowerCase()));
  if (!unknown) return undefined;
  // §8.2.3: "the response MUST contain an Accept-Encoding header field listing the encodings
  // understood by the UAS."
  const headers: HeaderPair[] = [['Accept-Encoding', ctx.config.sip.acceptEncodings.join(', ')]];
  return reject(415, headers);
}

/** event-type (a token, with "." templates) before any ;parameters; undefined if not a token. */
function eventType(value: string): string | undefined {
  const semi = value.indexOf(';');
  const t = (semi === -1 ? value : value.slice(0, semi)).trim();
  if (t === '') return undefined;
  for (let i = 0; i < t.length; i++) {
    const c = t[i] as string;
    const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-.!%*_+`'~".includes(c);
    if (!ok) return undefined;
  }
  return t;
}
