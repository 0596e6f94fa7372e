import type { ResponseBasis, SipRequest } from './message.js';

/** Limits the parser enforces; they come from config `limits`. */
export interface ParseLimits {
  /** A longer Request-URI is answered 414 (§21.4.12). */
  readonly maxRequestUriBytes: number;
  /** A larger Content-Length is answered 413 (§21.4.11); on TCP the connection is then closed. */
  readonly maxBodyBytes: number;
}

/**
 * What the parser makes of one message.
 * - `request`: fully valid for everything the server reads.
 * - `reject`: a request we can answer but must refuse (400/413/414/505) — `reason` names the fault.
 * - `drop`: nothing to answer (a response, no usable Via, garbage); `why` is for the log only.
 */
export type ParseOutcome =
  | { readonly kind: 'request'; readonly request: SipRequest; readonly basis: ResponseBasis }
  | {
      readonly kind: 'reject';
      readonly status: number;
      readonly reason: string;
      readonly basis: ResponseBasis;
    }
  | { readonly kind: 'drop'; readonly why: string };
