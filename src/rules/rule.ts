/**
 * A rule is one RFC check with one decision: (request, context) → a response to send, or
 * undefined to let the next rule look. Rules never send, throw or keep state of their own
 * (STYLE §3); the pipeline stops at the first decision.
 */
import type { Config } from '../config/schema.js';
import type { SipRequest } from '../sip/message.js';
import type { HeaderPair, ResponseSpec } from '../sip/response.js';
import type { Flow } from '../transport/flow.js';

export type Decision = ResponseSpec;

/** Read-only view of the dialogs the server holds (§12); empty until a user answers calls. */
export interface DialogView {
  has(callId: string, localTag: string, remoteTag: string): boolean;
}

export interface RuleContext {
  readonly config: Readonly<Config>;
  readonly flow: Flow;
  /** Host names and addresses that mean "this server" (loop detection, OPTIONS to us). */
  readonly identities: ReadonlySet<string>;
  readonly dialogs: DialogView;
  /** A fresh digest challenge header value list for a realm (WWW-/Proxy-Authenticate). */
  readonly challenge: (realm: string) => readonly string[];
}

export interface Rule {
  /** Stable name: used in the pipeline config and logged with every answer it produces. */
  readonly name: string;
  /** The RFC section the rule obeys. */
  readonly section: string;
  check(req: SipRequest, ctx: RuleContext): Decision | undefined;
}

export function reject(status: number, headers?: readonly HeaderPair[], reason?: string): Decision {
  return { status, headers, reason };
}
