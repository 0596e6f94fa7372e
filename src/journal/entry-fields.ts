/**
 * The parsed essentials of a journal entry (method, Request-URI, Call-ID, From/To users, CSeq),
 * read again from its bytes when a query or an event asks for them, so an entry keeps no strings
 * of its own (docs/ARCHITECTURE.md, "Request journal"). The same parser and the same choices as
 * when the request was received: a request the parser accepted gives its parsed fields; one it
 * refused gives what the refusal kept (its ResponseBasis and the Request-URI as the log has it).
 */
import { requestUriOf } from '../core/log-fields.js';
import { parseMessage } from '../sip/parse.js';
import { parseNameAddr } from '../sip/parse-name-addr.js';
import type { ParseLimits } from '../sip/parse-outcome.js';
import { parseUri } from '../sip/parse-uri.js';

export interface EntryFields {
  readonly method: string | undefined;
  readonly ruri: string | undefined;
  /** The user part of the Request-URI, as received. */
  readonly ruriUser: string | undefined;
  readonly callId: string | undefined;
  readonly fromUser: string | undefined;
  readonly toUser: string | undefined;
  readonly cseq: string | undefined;
}

/**
 * The message was accepted or refused under the configured limits when it arrived; read again, a
 * limit must not turn an accepted request into a refused one, and a refused one is read through
 * its basis whatever the parser makes of it now.
 */
const NO_LIMITS: ParseLimits = { maxRequestUriBytes: Number.MAX_SAFE_INTEGER, maxBodyBytes: Number.MAX_SAFE_INTEGER };

const NONE: EntryFields = { method: undefined, ruri: undefined, ruriUser: undefined, callId: undefined, fromUser: undefined, toUser: undefined, cseq: undefined };

function userOf(nameAddr: string | undefined): string | undefined {
  return nameAddr === undefined ? undefined : parseNameAddr(nameAddr)?.uri.user;
}

/** `data`: the request's bytes; `stream`: it came over TCP, TLS or WebSocket (§18.3 framing). */
export function fieldsOf(data: Buffer, stream: boolean, refused: boolean): EntryFields {
  const outcome = parseMessage(data, NO_LIMITS, stream);
  if (outcome.kind === 'drop') return NONE;
  if (!refused && outcome.kind === 'request') {
    const r = outcome.request;
    return { method: r.method, ruri: r.uri.raw, ruriUser: r.uri.user, callId: r.callId, fromUser: r.from.uri.user, toUser: r.to.uri.user, cseq: outcome.basis.cseq };
  }
  const b = outcome.basis;
  const ruri = requestUriOf(data);
  return {
    method: b.method,
    ruri,
    ruriUser: ruri === undefined ? undefined : parseUri(ruri)?.user,
    callId: b.callId,
    fromUser: userOf(b.from),
    toUser: userOf(b.to),
    cseq: b.cseq,
  };
}
