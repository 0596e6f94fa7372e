/**
 * Matching requests to server transactions, §17.2.3.
 *
 * With the magic cookie: "the branch parameter in the request is equal to the one in the top Via
 * header field of the request that created the transaction, the sent-by value in the top Via of
 * the request is equal to the one in the request that created the transaction, and the method of
 * the request matches the one that created the transaction, except for ACK, where the method of
 * the request that created the transaction is INVITE."
 *
 * Without it (RFC 2543 peers, §17.2.3 last paragraphs): the INVITE/ACK pair matches on
 * Request-URI, From tag, Call-ID, CSeq number and top Via (the ACK's To tag is ours, so To is left
 * out for them); other requests also compare the To tag.
 */
import type { SipRequest, Via } from '../sip/message.js';
import { detached } from '../util/detached.js';

export const MAGIC_COOKIE = 'z9hG4bK';

function sentBy(via: Via): string {
  return via.port === undefined ? via.host.toLowerCase() : `${via.host.toLowerCase()}:${via.port}`;
}

/** The key of the transaction this request creates or belongs to; `asMethod` re-targets it (CANCEL → INVITE). */
export function transactionKey(req: SipRequest, asMethod?: string): string {
  const via = req.via[0] as Via;
  const method = asMethod ?? (req.method === 'ACK' ? 'INVITE' : req.method);
  const branch = via.branch;
  if (branch !== undefined && branch.startsWith(MAGIC_COOKIE)) return detached(`${branch}\u0000${sentBy(via)}\u0000${method}`);
  const toTag = method === 'INVITE' ? '' : (req.to.tag ?? '');
  return detached(`2543\u0000${req.uri.raw}\u0000${toTag}\u0000${req.from.tag ?? ''}\u0000${req.callId}\u0000${req.cseq.seq}\u0000${via.raw}\u0000${method}`);
}

/** §8.2.2.2: what identifies a request for merged-request detection: From tag, Call-ID, CSeq. */
export function mergeKey(req: SipRequest): string {
  return detached(`${req.from.tag ?? ''}\u0000${req.callId}\u0000${req.cseq.seq}\u0000${req.cseq.method}`);
}
