/**
 * The `malformed` fault: a final response a client must discard, from the response that would have
 * been sent. Over UDP and WebSocket its Content-Length runs past the body: RFC 3261 §18.3, "If the
 * transport packet ends before the end of the message body, this is considered an error. If the
 * message is a response, it MUST be discarded." On a TCP or TLS stream that would break the framing
 * of every later message, so there the Status-Code gets a fourth digit instead (§7.2 and §25.1:
 * Status-Code is 3DIGIT) and the framing stays intact.
 */
import type { TransportName } from '../transport/flow.js';

export function malformedResponse(good: Buffer, transport: TransportName): Buffer {
  const text = good.toString('latin1');
  const broken =
    transport === 'tcp' || transport === 'tls'
      ? text.replace(/^SIP\/2\.0 (\d{3}) /, 'SIP/2.0 $10 ')
      : text.replace(/\r\nContent-Length: (\d+)\r\n/i, (_m, n: string) => `\r\nContent-Length: ${Number(n) + 16}\r\n`);
  return Buffer.from(broken, 'latin1');
}
