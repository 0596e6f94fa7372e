/**
 * How long a REGISTER asks each Contact to be bound (§10.3 step 7), and the registrar's answer to
 * that wish: the interval it grants, or 423 when the wish is too brief.
 */
import type { NameAddr, SipRequest } from '../sip/message.js';
import { getHeader } from '../sip/message.js';
import { findParam } from '../sip/parse-params.js';

/**
 * §20.19 / §20.10: "Malformed values SHOULD be treated as equivalent to 3600" — for the Expires
 * header field and for the Contact `expires` parameter alike.
 */
const MALFORMED_EXPIRES = 3600;

/** delta-seconds = 1*DIGIT, read without losing a huge value to floating point (it is capped later). */
export function parseDeltaSeconds(text: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return MALFORMED_EXPIRES;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : Number.MAX_SAFE_INTEGER;
}

/** The Expires header field of the request in seconds, or undefined when it has none. */
export function expiresHeader(req: SipRequest): number | undefined {
  const raw = getHeader(req.headers, 'expires');
  return raw === undefined ? undefined : parseDeltaSeconds(raw);
}

/**
 * §10.3 step 7: "If the field value has an "expires" parameter, that value MUST be taken as the
 * requested expiration. If there is no such parameter, but the request has an Expires header field,
 * that value MUST be taken … If there is neither, the registrar SHOULD take a locally-configured
 * default value".
 */
export function requestedExpiry(contact: NameAddr, header: number | undefined, defaultExpires: number): number {
  const p = findParam(contact.params, 'expires');
  if (p !== undefined) return parseDeltaSeconds(p.value ?? '');
  return header ?? defaultExpires;
}

export interface ExpiryPolicy {
  readonly minExpires: number;
  readonly maxExpires: number;
}

/**
 * The interval granted for a requested one, or 'too-brief' for 423. §10.3 step 7: "If and only if
 * the requested expiration interval is greater than zero AND smaller than one hour AND less than a
 * registrar-configured minimum, the registrar MAY reject the registration with a response of 423";
 * "The registrar MAY choose an expiration less than the requested expiration interval" — so a wish
 * of an hour or more below a (larger) minimum is granted as asked, and every wish is capped at
 * maxExpires.
 */
export function grantExpiry(requested: number, policy: ExpiryPolicy): number | 'too-brief' {
  if (requested > 0 && requested < 3600 && requested < policy.minExpires) return 'too-brief';
  return Math.min(requested, policy.maxExpires);
}
