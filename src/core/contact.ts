/**
 * Our Contact for responses that create or refresh a dialog (§12.1.1: "the UAS MUST add a Contact
 * header field to the response"). The client reached us at the Request-URI's host and port, so that
 * is where further requests should go; the transport parameter keeps TCP dialogs on TCP.
 */
import type { SipRequest } from '../sip/message.js';
import type { Flow } from '../transport/flow.js';

export function contactFor(req: SipRequest, flow: Flow): string {
  const scheme = req.uri.scheme === 'sips' ? 'sips' : 'sip';
  const user = req.uri.user !== undefined && req.uri.scheme !== 'tel' ? `${req.uri.user}@` : '';
  const host = req.uri.host !== '' ? req.uri.host : flow.local.family === 'IPv6' ? `[${flow.local.address}]` : flow.local.address;
  const port = req.uri.port ?? flow.local.port;
  const transport = flow.transport === 'tcp' ? ';transport=tcp' : '';
  return `<${scheme}:${user}${host}:${port}${transport}>`;
}
