/**
 * The NOTIFY request a notifier sends inside a subscription's dialog (RFC 6665 §4.2.2, §8.2.1;
 * RFC 3261 §12.2.1.1 for a request within a dialog, §8.1.1 for the header fields every request
 * carries).
 */
import { randomBytes } from 'node:crypto';
import type { EventBody } from './packages.js';

/** The dialog a NOTIFY belongs to, as the notifier (the UAS of the SUBSCRIBE) sees it. */
export interface NotifyDialog {
  /** Remote target: the URI of the SUBSCRIBE's Contact (§12.1.1). */
  readonly target: string;
  /** Route set: the SUBSCRIBE's Record-Route values, in order (§12.1.1). */
  readonly routes: readonly string[];
  /** From: the SUBSCRIBE's To with our tag added (§12.2.1.1: local URI and local tag). */
  readonly from: string;
  /** To: the SUBSCRIBE's From, its tag included (remote URI and remote tag). */
  readonly to: string;
  readonly callId: string;
  /** Via transport (UDP, TCP) and sent-by (host:port we listen on). */
  readonly viaTransport: string;
  readonly sentBy: string;
  /** Our Contact (RFC 6665 §4.1.2 / §4.2: NOTIFY carries the notifier's Contact). */
  readonly contact: string;
  /** The SUBSCRIBE's Event value, id parameter included (RFC 6665 §8.2.1: it MUST match). */
  readonly event: string;
}

export interface NotifyContent {
  readonly cseq: number;
  readonly branch: string;
  /** Subscription-State value (RFC 6665 §8.2.3), e.g. "active;expires=3600". */
  readonly state: string;
  readonly body: EventBody | undefined;
}

/** §8.1.1.7: a branch unique in space and time, beginning with the magic cookie "z9hG4bK". */
export function newBranch(): string {
  return `z9hG4bK${randomBytes(12).toString('hex')}`;
}

export function buildNotify(d: NotifyDialog, c: NotifyContent): Buffer {
  const lines = [`NOTIFY ${d.target} SIP/2.0`, `Via: SIP/2.0/${d.viaTransport} ${d.sentBy};branch=${c.branch};rport`, 'Max-Forwards: 70'];
  // §12.2.1.1: with a loose-routing route set (each URI with ;lr) the Request-URI is the remote
  // target and the route set goes, in order, into Route header fields.
  for (const r of d.routes) lines.push(`Route: ${r}`);
  lines.push(
    `From: ${d.from}`,
    `To: ${d.to}`,
    `Call-ID: ${d.callId}`,
    `CSeq: ${c.cseq} NOTIFY`,
    `Contact: ${d.contact}`,
    `Event: ${d.event}`,
    `Subscription-State: ${c.state}`,
  );
  const body = c.body?.body ?? Buffer.alloc(0);
  if (c.body !== undefined) lines.push(`Content-Type: ${c.body.type}`);
  lines.push(`Content-Length: ${body.length}`, '', '');
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), body]);
}
