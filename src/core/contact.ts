/**
 * The Contacts sip4xx gives out that point at itself: the one of a response that creates or
 * refreshes a dialog (§12.1.1: "the UAS MUST add a Contact header field to the response … the URI
 * … that the UAS would like to be contacted at for subsequent requests"), and the configured
 * templates of 3xx / 485 answers ("sip:answer@{host}").
 *
 * They name the address the request reached us at, never the Request-URI's host: behind a proxy the
 * Request-URI names the proxy, and a Contact naming it sends the ACK and BYE back to the proxy
 * (§12.2.1.1: an in-dialog request goes to the remote target, which is that Contact). That
 * address is `server.advertise` when set (NAT, containers), else the local address the request
 * arrived on (see net/local-address.ts for UDP on a wildcard bind), with the port of the listener it
 * arrived on and the transport parameter naming that listener, so the next request comes the same
 * way (RFC 3263 §4.1: with no transport parameter and a numeric host, "the client SHOULD use UDP
 * for a SIP URI"): `tcp`, `tls`, and `ws` for both WebSocket transports (RFC 7118 §5.2 defines
 * only "ws" as a URI transport; a browser sends every request of the dialog on its one
 * connection anyway). A `sips:` request gets a `sips:` Contact (§8.1.1.8 asks the same of a UAC);
 * over TLS it carries no transport parameter, as TLS is what `sips:` means (RFC 5630 §3.1.3
 * deprecates `transport=tls`).
 */
import type { Config } from '../config/schema.js';
import type { SipRequest } from '../sip/message.js';
import { parseHostPort } from '../sip/parse-host.js';
import { parseUri } from '../sip/parse-uri.js';
import type { Flow } from '../transport/flow.js';
import { reachedAddress } from '../net/local-address.js';

/** Where a Contact pointing at us must lead: what a rule context holds. */
export interface ContactSite {
  readonly flow: Flow;
  readonly config: Readonly<Config>;
  /** Host names and addresses that mean this server (lower case, IPv6 in brackets). */
  readonly identities: ReadonlySet<string>;
}

/** host (IPv6 in brackets) and port a peer reaches us at, per the rules above. */
export function reachedAt(flow: Flow, advertise: string): { readonly host: string; readonly port: number } {
  if (advertise !== '') {
    const hp = parseHostPort(advertise, 0, advertise.length);
    // The advertised port is the one of UDP and TCP; TLS and WebSocket listen on their own.
    const shared = flow.transport === 'udp' || flow.transport === 'tcp';
    if (hp !== undefined) return { host: hp.host, port: shared ? (hp.port ?? flow.local.port) : flow.local.port };
  }
  const address = reachedAddress(flow.local, flow.remote);
  return { host: address.includes(':') ? `[${address}]` : address, port: flow.local.port };
}

/** The dialog Contact (§12.1.1) for a request, e.g. `<sip:answer@192.0.2.10:5060;transport=tcp>`. */
export function contactFor(req: SipRequest, flow: Flow, config: Readonly<Config>): string {
  const scheme = req.uri.scheme === 'sips' ? 'sips' : 'sip';
  const user = req.uri.user !== undefined && req.uri.scheme !== 'tel' ? `${req.uri.user}@` : '';
  const { host, port } = reachedAt(flow, config.server.advertise);
  return `<${scheme}:${user}${host}:${port}${transportParam(flow, scheme)}>`;
}

/** The URI transport parameter that brings a request back over the transport of `flow`. */
export function transportParam(flow: Flow, scheme: 'sip' | 'sips'): string {
  switch (flow.transport) {
    case 'udp':
      return '';
    case 'tls':
      return scheme === 'sips' ? '' : ';transport=tls';
    case 'ws':
    case 'wss':
      return ';transport=ws';
    case 'tcp':
      return ';transport=tcp';
  }
}

/**
 * A configured Contact template as a header value: "{host}" becomes the host:port we are reached
 * at, "{user}" the Request-URI's user part (still escaped, as a URI needs it). A URI that points at
 * us — through "{host}", or naming one of our identities with our port or none — and has no
 * transport parameter gets the one of the transport the request came on (transportParam), so the
 * client retries on the transport that reached us (RFC 3263 §4.1).
 */
export function contactFromTemplate(template: string, req: SipRequest, site: ContactSite): string {
  const here = reachedAt(site.flow, site.config.server.advertise);
  const uri = template.replaceAll('{host}', `${here.host}:${here.port}`).replaceAll('{user}', req.uri.user ?? 'user');
  if (site.flow.transport === 'udp') return `<${uri}>`;
  const parsed = parseUri(uri);
  if (parsed === undefined || (parsed.scheme !== 'sip' && parsed.scheme !== 'sips')) return `<${uri}>`;
  const param = transportParam(site.flow, parsed.scheme);
  if (param === '') return `<${uri}>`;
  if (parsed.params.some((p) => p.name.toLowerCase() === 'transport')) return `<${uri}>`;
  const host = parsed.host.toLowerCase();
  const ours =
    template.includes('{host}') ||
    ((site.identities.has(host) || host === here.host.toLowerCase()) && (parsed.port === undefined || parsed.port === here.port));
  return ours ? `<${withParam(uri, param)}>` : `<${uri}>`;
}

/** Append a URI parameter after the existing ones, before any `?headers` (§19.1.1 grammar). */
function withParam(uri: string, param: string): string {
  // The user part may hold "?" (§25.1 user-unreserved); headers start after the host.
  const at = uri.indexOf('@');
  const q = uri.indexOf('?', at === -1 ? 0 : at);
  return q === -1 ? uri + param : uri.slice(0, q) + param + uri.slice(q);
}
