/**
 * The bytes the load generator sends (bench/README.md, "The generator"): a request template per
 * socket with 10-digit sequence placeholders in its Call-ID, From tag and Via branch, copied and
 * numbered per send, and the two halves of its ACK (RFC 3261 §17.1.1.3) around the To value of the
 * response being acknowledged.
 */

export type LoadMethod = 'INVITE' | 'OPTIONS';

export const SEQ_DIGITS = 10;
const SEQ_PLACEHOLDER = '#'.repeat(SEQ_DIGITS);

/** A realistic softphone SDP offer (~ 250 bytes). */
const SDP =
  'v=0\r\n' +
  'o=bench 2890844526 2890844526 IN IP4 127.0.0.1\r\n' +
  's=-\r\n' +
  'c=IN IP4 127.0.0.1\r\n' +
  't=0 0\r\n' +
  'm=audio 49170 RTP/AVP 0 8 9 101\r\n' +
  'a=rtpmap:0 PCMU/8000\r\n' +
  'a=rtpmap:8 PCMA/8000\r\n' +
  'a=rtpmap:9 G722/8000\r\n' +
  'a=rtpmap:101 telephone-event/8000\r\n' +
  'a=fmtp:101 0-16\r\n' +
  'a=ptime:20\r\n' +
  'a=sendrecv\r\n';

/** A request the generator sends, with sequence-number placeholders, and the halves of its ACK. */
export interface Template {
  readonly buf: Buffer;
  /** Offsets of the 10-digit sequence placeholders in `buf`. */
  readonly seqOffsets: readonly number[];
  /** The ACK (§17.1.1.3) before and after its To value, as bytes with sequence placeholders. */
  readonly ackHead: Buffer;
  readonly ackHeadSeqOffsets: readonly number[];
  readonly ackTail: Buffer;
  readonly ackTailSeqOffsets: readonly number[];
}

export function hostForUri(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The request the generator sends for `method` to `requestUri` from localHost:localPort: Call-ID,
 * From tag and branch are `marker` followed by a 10-digit sequence number (`requestOf`).
 */
export function buildTemplate(
  method: LoadMethod,
  requestUri: string,
  marker: string,
  localHost: string,
  localPort: number,
): Template {
  const h = hostForUri(localHost);
  const uriNoScheme = requestUri.replace(/^sips?:/i, '');
  const toUri = `sip:${uriNoScheme}`;
  const viaLine = `Via: SIP/2.0/UDP ${h}:${localPort};branch=z9hG4bK${marker}${SEQ_PLACEHOLDER};rport`;
  const fromLine = `From: "sip4xx bench" <sip:bench@${h}>;tag=${marker}${SEQ_PLACEHOLDER}`;
  const callIdLine = `Call-ID: ${marker}${SEQ_PLACEHOLDER}@${h}`;
  const lines = [
    `${method} ${requestUri} SIP/2.0`,
    viaLine,
    'Max-Forwards: 70',
    fromLine,
    `To: <${toUri}>`,
    callIdLine,
    `CSeq: 1 ${method}`,
    `Contact: <sip:bench@${h}:${localPort};transport=udp>`,
  ];
  let body = '';
  if (method === 'INVITE') {
    lines.push(
      'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, REFER, UPDATE',
      'Supported: replaces, timer',
      'User-Agent: sip4xx-bench/1.0',
      'Content-Type: application/sdp',
    );
    body = SDP;
  } else {
    lines.push('Accept: application/sdp', 'User-Agent: sip4xx-bench/1.0');
  }
  lines.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  const text = `${lines.join('\r\n')}\r\n\r\n${body}`;
  const buf = Buffer.from(text, 'latin1');
  const ackHead = Buffer.from(`ACK ${requestUri} SIP/2.0\r\n${viaLine}\r\nMax-Forwards: 70\r\n${fromLine}\r\nTo: `, 'latin1');
  const ackTail = Buffer.from(`\r\n${callIdLine}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`, 'latin1');
  return {
    buf,
    seqOffsets: placeholders(buf),
    ackHead,
    ackHeadSeqOffsets: placeholders(ackHead),
    ackTail,
    ackTailSeqOffsets: placeholders(ackTail),
  };
}

const PLACEHOLDER_BYTES = Buffer.from(SEQ_PLACEHOLDER, 'latin1');

function placeholders(buf: Buffer): number[] {
  const out: number[] = [];
  for (let at = buf.indexOf(PLACEHOLDER_BYTES); at >= 0; at = buf.indexOf(PLACEHOLDER_BYTES, at + SEQ_DIGITS)) out.push(at);
  return out;
}

function writeSeq(buf: Buffer, offset: number, n: number): void {
  for (let i = offset + SEQ_DIGITS - 1; i >= offset; i--) {
    buf[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
}

/** Request number `seq` of a template, as fresh bytes. */
export function requestOf(t: Template, seq: number): Buffer {
  const buf = Buffer.allocUnsafe(t.buf.length);
  t.buf.copy(buf);
  for (const off of t.seqOffsets) writeSeq(buf, off, seq);
  return buf;
}

/** The ACK (§17.1.1.3) of request `seq` for a final response whose To value is src[start, end). */
export function ackOf(t: Template, seq: number, src: Buffer, start: number, end: number): Buffer {
  const ack = Buffer.allocUnsafe(t.ackHead.length + (end - start) + t.ackTail.length);
  t.ackHead.copy(ack, 0);
  for (const off of t.ackHeadSeqOffsets) writeSeq(ack, off, seq);
  src.copy(ack, t.ackHead.length, start, end);
  const tailAt = t.ackHead.length + (end - start);
  t.ackTail.copy(ack, tailAt);
  for (const off of t.ackTailSeqOffsets) writeSeq(ack, tailAt + off, seq);
  return ack;
}
