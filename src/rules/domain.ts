/**
 * §8.2.2.1: "If the Request-URI does not identify an address that the UAS is willing to accept
 * requests for, it SHOULD reject the request with a 404 (Not Found) response." The addresses we
 * accept are the configured `domains` ("*": any) and our own host names and addresses.
 * For REGISTER the To host must be served too: it names the domain of the address-of-record, and
 * §10.3 step 5 wants "the address-of-record … valid for the domain in the Request-URI".
 */
import type { SipUri } from '../sip/message.js';
import type { Rule, RuleContext } from './rule.js';
import { reject } from './rule.js';

export const domainRule: Rule = {
  name: 'domain',
  section: 'RFC 3261 §8.2.2.1, §10.3',
  check(req, ctx) {
    // ACK is never answered; a CANCEL belongs to the transaction it cancels (§9.2).
    if (req.method === 'ACK' || req.method === 'CANCEL' || ctx.config.domains.includes('*')) return undefined;
    if (!served(req.uri, ctx)) return reject(404);
    if (req.method === 'REGISTER' && !served(req.to.uri, ctx)) return reject(404);
    return undefined;
  },
};

/**
 * Whether a URI's host is one we accept. Hosts compare case-insensitively (§19.1.4), a trailing dot
 * and IPv6 brackets aside. A URI without a host (tel:, RFC 3966) names no domain to refuse.
 */
export function served(uri: SipUri, ctx: RuleContext): boolean {
  if (uri.host === '') return uri.scheme !== 'sip' && uri.scheme !== 'sips';
  const host = normalHost(uri.host);
  for (const d of ctx.config.domains) if (normalHost(d) === host) return true;
  for (const id of ctx.identities) if (normalHost(id) === host) return true;
  return false;
}

function normalHost(h: string): string {
  let s = h.toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  else if (s.endsWith('.')) s = s.slice(0, -1);
  return s;
}
