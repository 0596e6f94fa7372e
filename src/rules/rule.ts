/**
 * A rule is one RFC check with one decision: (request, context) → a response to send, or
 * undefined to let the next rule look. Rules never send, throw or keep state of their own
 * (docs/ARCHITECTURE.md, Layers); the pipeline stops at the first decision.
 */
import type { Config } from '../config/schema.js';
import type { SipRequest } from '../sip/message.js';
import type { HeaderPair, ResponseSpec } from '../sip/response.js';
import type { Flow } from '../transport/flow.js';
import type { DialogState, MediaPlan } from '../dialog/dialog-table.js';
import type { Services } from '../core/services.js';
import type { Fault } from '../stubs/stub-schema.js';

/**
 * What a decision does to dialog state; the core applies it (rules themselves keep no state). An
 * answer to any other in-dialog request moves the dialog's remote CSeq on by itself (§12.2.2).
 */
export type DialogEffect = 'create' | 'end';

export interface Decision extends ResponseSpec {
  /** Provisional responses to send before the final one (INVITE only), e.g. 180 Ringing. */
  readonly provisional?: readonly ResponseSpec[] | undefined;
  /** Hold the final response this long (a 100 Trying goes out at once for an INVITE, §17.2.1). */
  readonly delayMs?: number | undefined;
  readonly dialog?: DialogEffect | undefined;
  /** The SDP state and media target a 2xx with SDP gives its dialog; the core applies it with `dialog`. */
  readonly media?: MediaPlan | undefined;
  /**
   * The name logged and counted for this answer when it is not the rule's own: a configured rule
   * answers under its `name` (custom.ts), not as "custom".
   */
  readonly rule?: string | undefined;
  /**
   * A stub's fault (src/stubs/): no final response at all, or a broken one; the core plays it
   * within the transaction timers (transaction-user.ts).
   */
  readonly fault?: Fault | undefined;
}

/** Read-only view of the dialogs the server holds (§12); empty until a user answers calls. */
export interface DialogView {
  get(callId: string, localTag: string, remoteTag: string): DialogState | undefined;
}

export interface RuleContext {
  readonly config: Readonly<Config>;
  readonly flow: Flow;
  /** Host names and addresses that mean "this server" (loop detection, OPTIONS to us). */
  readonly identities: ReadonlySet<string>;
  readonly dialogs: DialogView;
  /**
   * §8.2.2.2: the request (without To tag) has the From tag, Call-ID and CSeq of another live
   * transaction — decided by the transaction layer, which holds that table.
   */
  readonly merged: boolean;
  /** Our Contact for a dialog-creating response (§12.1.1), reachable on the request's transport. */
  readonly contact: (req: SipRequest) => string;
  /** Stateful services (digest nonces, registrar bindings…), see core/services.ts. */
  readonly services: Services;
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
