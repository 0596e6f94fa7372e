/**
 * The body of a request and the bodies a response could carry (RFC 3261 §8.2.3, §21.4.7, §21.4.13,
 * §21.4.26, §21.4.27; RFC 3264 for the offer): a body we cannot read is refused with the code that
 * says why, and an SDP offer with no codec we support is answered 488.
 */
import { readSdp } from '../sdp/sdp-offer.js';
import { isAuxiliaryFormat } from '../sdp/payload-types.js';
import { multipartParts, mediaTypeParam, sdpOfBody } from '../sdp/sdp-body.js';
import { getHeader, getHeaderList, type SipRequest } from '../sip/message.js';
import { requiredHeaders } from './catalogue.js';
import { codecsFor, supportedSdpBodyFor } from './media.js';
import type { Decision, Rule, RuleContext } from './rule.js';
import { reject } from './rule.js';

/** S/MIME bodies (RFC 8551 §3.2.1; "x-" is the pre-standard spelling still sent by some UAs). */
const SMIME_TYPES = ['application/pkcs7-mime', 'application/x-pkcs7-mime'];

export const contentRule: Rule = {
  name: 'content',
  section: 'RFC 3261 §8.2.3, §21.4.7, §21.4.26, §21.4.27',
  check(req, ctx) {
    if (req.method === 'ACK' || req.method === 'CANCEL') return undefined;
    return checkBody(req, ctx) ?? checkAccept(req) ?? checkOffer(req, ctx);
  },
};

function checkBody(req: SipRequest, ctx: RuleContext): Decision | undefined {
  if (req.body.length === 0) return undefined;
  const type = req.contentType;
  // §20.15: "The Content-Type header field MUST be present if the body is not empty."
  if (type === undefined) return reject(400, undefined, 'Missing Content-Type header field');
  // §23.2: a UAS that "receives a request that contains an S/MIME body that it cannot decrypt"
  // answers 493 (§21.4.27 Undecipherable). Checked before 415: a type we do not list is the lesser
  // complaint, and 493 tells the client exactly what went wrong.
  if (isSmime(req, type)) return reject(493);
  const sip = ctx.config.sip;
  // §8.2.3: "If a UAS receives a request with a body of a type it does not support, it MUST reject
  // the request with a 415 (Unsupported Media Type) response. The response MUST contain an Accept
  // header field listing the types of all bodies it understands".
  if (!sip.accept.includes(type)) return reject(415, requiredHeaders(415, req, ctx));
  // §8.2.3: "If the request contained content encodings not understood by the UAS, the response
  // MUST contain an Accept-Encoding header field listing the encodings understood by the UAS."
  const encodings = sip.acceptEncodings.map((e) => e.toLowerCase());
  for (const e of getHeaderList(req.headers, 'content-encoding')) {
    if (!encodings.includes(e.toLowerCase())) return reject(415, requiredHeaders(415, req, ctx));
  }
  // §8.2.3: "If the request contained content with languages not understood by the UAS, the
  // response MUST contain an Accept-Language header field indicating the languages understood".
  for (const l of getHeaderList(req.headers, 'content-language')) {
    if (!sip.acceptLanguages.some((range) => languageMatches(range, l))) return reject(415, requiredHeaders(415, req, ctx));
  }
  return undefined;
}

function isSmime(req: SipRequest, type: string): boolean {
  if (SMIME_TYPES.includes(type)) return true;
  if (type !== 'multipart/mixed') return false;
  const boundary = mediaTypeParam(getHeader(req.headers, 'content-type') ?? '', 'boundary');
  return boundary !== undefined && boundary !== '' && multipartParts(req.body.toString('latin1'), boundary).some((p) => SMIME_TYPES.includes(p.type));
}

/**
 * A language-range matches a tag equal to it or beginning with it followed by "-" (§20.3 defers to
 * RFC 2616 §14.4: "en" matches "en-GB"); "*" matches every tag. Case-insensitive.
 */
export function languageMatches(range: string, tag: string): boolean {
  const r = range.toLowerCase();
  const t = tag.toLowerCase();
  return r === '*' || t === r || t.startsWith(`${r}-`);
}

/**
 * §21.4.7 406: "The resource identified by the request is only capable of generating response
 * entities that have content characteristics not acceptable according to the Accept header field
 * sent in the request." Only an INVITE is answered with a body we must be able to send (the SDP of
 * a 2xx or of a 488); other requests get bodiless answers, which any Accept allows.
 */
function checkAccept(req: SipRequest): Decision | undefined {
  if (req.method !== 'INVITE') return undefined;
  return acceptsType(req, 'application/sdp') ? undefined : reject(406);
}

/**
 * Whether the request's Accept allows a body of `type`. §20.1: "If no Accept header field is
 * present, the server SHOULD assume a default value of application/sdp. An empty Accept header
 * field means that no formats are acceptable." The most specific matching range decides, and a
 * q of 0 excludes (RFC 2616 §14.1, to which §20.1 defers).
 */
export function acceptsType(req: SipRequest, type: string): boolean {
  if (!req.headers.some((h) => h.name === 'accept')) return type === 'application/sdp';
  const slash = type.indexOf('/');
  const major = type.slice(0, slash);
  let best = -1; // specificity of the range that decided: 0 */*, 1 type/*, 2 type/subtype
  let q = 0;
  for (const item of getHeaderList(req.headers, 'accept')) {
    const params = item.split(';');
    const range = (params[0] as string).trim().toLowerCase();
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity <= best) continue;
    best = specificity;
    q = qValue(params.slice(1));
  }
  return best >= 0 && q > 0;
}

/** The q of an accept-range's parameters (§25.1 qvalue); 1 when absent or unreadable. */
function qValue(params: readonly string[]): number {
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq === -1 || p.slice(0, eq).trim().toLowerCase() !== 'q') continue;
    const v = Number(p.slice(eq + 1).trim());
    return Number.isFinite(v) && v >= 0 && v <= 1 ? v : 1;
  }
  return 1;
}

/**
 * An SDP offer (INVITE or UPDATE, RFC 3264 §5 / RFC 3311 §5.2) in which no active audio or video
 * stream offers a codec the target user supports → 488 with Warning 305 (§21.4.26) and, when the
 * client can take it, a description of what we do support.
 */
function checkOffer(req: SipRequest, ctx: RuleContext): Decision | undefined {
  if (req.method !== 'INVITE' && req.method !== 'UPDATE') return undefined;
  const text = sdpOfBody(req.contentType, getHeader(req.headers, 'content-type'), req.body);
  if (text === undefined) return undefined;
  const read = readSdp(text);
  // A body that says application/sdp but is not SDP (RFC 4566 §5: it begins with "v=0" and every
  // line is <type>=<value>) was not understood, so it is a malformed request (§21.4.1 400) — 488
  // and its 3xx Warning codes say "understood, but not supported", which would mislead.
  if (!read.ok) return reject(400, undefined, `Malformed SDP body (${read.error})`);
  // Streams with port 0 are declined by the offerer itself (RFC 3264 §5.1), and an offer with no
  // m= line at all is valid (RFC 3264 §5: "zero or more media streams"): neither can be refused
  // for its codecs.
  const active = read.sdp.media.filter((m) => (m.media === 'audio' || m.media === 'video') && m.port !== 0);
  if (active.length === 0) return undefined;
  const codecs = codecsFor(req, ctx).map((c) => c.toLowerCase());
  // rtpmap encoding names are media subtype names (RFC 4855 §3), and "subtype names are
  // case-insensitive" (RFC 6838 §4.2): "PCMU" = "pcmu".
  const usable = active.some((m) =>
    m.formats.some((f) => f.encoding !== undefined && !isAuxiliaryFormat(f.encoding) && codecs.includes(f.encoding.toLowerCase())),
  );
  if (usable) return undefined;
  // §21.4.26: "the response MAY contain a message body with a session description of the
  // supported media" — only when the client's Accept lets it read one.
  return { status: 488, headers: requiredHeaders(488, req, ctx), body: acceptsType(req, 'application/sdp') ? supportedSdpBodyFor(req, ctx) : undefined };
}
