/**
 * SIP URI equivalence (§19.1.4), which the registrar uses to find an existing binding for a Contact
 * (§10.3 step 7: "searches the list of current bindings using the URI comparison rules").
 */
import type { SipParam, SipUri } from '../sip/message.js';
import { unescape } from '../sip/charset.js';

/**
 * §19.1.4: "A URI parameter whose name is one of user, ttl, method, maddr and transport … if it
 * appears in one URI it MUST appear in both"; any other parameter is compared only when both have it.
 */
const MUST_MATCH = ['user', 'ttl', 'method', 'maddr', 'transport'];

export function sameUri(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false;
  if (a.scheme !== 'sip' && a.scheme !== 'sips') return unescape(a.raw).toLowerCase() === unescape(b.raw).toLowerCase();
  // "Comparison of the userinfo of SIP and SIPS URIs is case-sensitive"; escapes are equivalent to
  // the characters they stand for.
  if (unescapeOpt(a.user) !== unescapeOpt(b.user) || unescapeOpt(a.password) !== unescapeOpt(b.password)) return false;
  if (a.host.toLowerCase() !== b.host.toLowerCase()) return false;
  // "A URI omitting any component with a default value will not match a URI explicitly containing
  // that component with its default value": sip:a@h and sip:a@h:5060 differ.
  if (a.port !== b.port) return false;
  for (const name of MUST_MATCH) {
    const pa = param(a.params, name);
    const pb = param(b.params, name);
    if (pa === undefined && pb === undefined) continue;
    if (pa === undefined || pb === undefined || !sameValue(pa, pb)) return false;
  }
  for (const pa of a.params) {
    const pb = param(b.params, pa.name);
    if (pb !== undefined && !sameValue(pa, pb)) return false;
  }
  // "URI header components are never ignored. Any present header component MUST be present in
  // both URIs and match for the URIs to match."
  return headerText(a) === headerText(b);
}

function unescapeOpt(s: string | undefined): string | undefined {
  return s === undefined ? undefined : unescape(s);
}

function param(params: readonly SipParam[], name: string): SipParam | undefined {
  for (const p of params) if (p.name === name) return p;
  return undefined;
}

function sameValue(a: SipParam, b: SipParam): boolean {
  return unescape(a.value ?? '').toLowerCase() === unescape(b.value ?? '').toLowerCase();
}

function headerText(u: SipUri): string {
  if (u.headers === undefined) return '';
  return u.headers
    .split('&')
    .map((h) => unescape(h).toLowerCase())
    .sort()
    .join('&');
}
