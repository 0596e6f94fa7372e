/** The SDP an ACK carries: the answer to an offer we made in a 2xx (RFC 3261 §13.2.1, §13.3.1.4). */
import { getHeader, type SipRequest } from '../sip/message.js';
import { sdpOfBody } from '../sdp/sdp-body.js';

export function sdpOfAck(req: SipRequest): string | undefined {
  return sdpOfBody(req.contentType, getHeader(req.headers, 'content-type'), req.body);
}
