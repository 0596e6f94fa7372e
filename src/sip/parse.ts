/**
 * Bytes → SipRequest | reject (400/413/414/505 with a reason naming the fault) | drop.
 *
 * Hot path. Why hand-written rather than generated from the §25 ABNF: sip.js's PEG parser
 * (`Grammar.parse`, built from the same grammar) takes about 1.2 ms per plain INVITE on these
 * machines, ~400× our budget of 3 µs. This parser makes one forward scan with indexOf on the latin1
 * text, single-byte reads of the Buffer (a third of the cost of charCodeAt) and lookup tables (no
 * regular expressions, so no backtracking on hostile input), parses only the headers the server
 * reads and keeps the rest as raw text. sip.js stays in the test suite as a
 * differential oracle for the pieces of grammar we do parse.
 */
import type { CSeq, NameAddr, ResponseBasis, SipHeader, SipRequest, SipUri, Via } from './message.js';
import type { ParseLimits, ParseOutcome } from './parse-outcome.js';
import { codesOf, isToken, spellsAt } from './charset.js';
import { listHeaderFields, scanHeaderFields, type HeaderFields } from './parse-header-fields.js';
import { parseNameAddrIn } from './parse-name-addr.js';
import { parseUriIn } from './parse-uri.js';
import { NO_TAGS, commonMethod, isCallIdIn, isSipDate, isSipVersion, parseCSeqIn, parseMediaType } from './parse-fields.js';

/** Bytes converted to text at first: header fields of any usual request fit well within. */
const HEAD_PROBE_BYTES = 4096;
const EMPTY: Buffer = Buffer.alloc(0);

/**
 * @param stream true for TCP: Content-Length is then mandatory (§18.3, §20.14) and the framer has
 *               already cut the message to it.
 */
export function parseMessage(data: Buffer, limits: ParseLimits, stream: boolean): ParseOutcome {
  // §7.5: CRLFs before the start-line are ignored.
  let start = 0;
  while (start + 1 < data.length && data[start] === 0x0d && data[start + 1] === 0x0a) start += 2;
  if (start >= data.length) return { kind: 'drop', why: 'empty message' };

  // latin1: one char per byte, so copied header bytes round-trip exactly into the response.
  // `head` is the text from the first byte on (so an index into it is also an index into `data`),
  // usually with some of the body after the header fields: one conversion costs less than a
  // Buffer search for the empty line first (Buffer.indexOf was ~4% of a plain INVITE's parse).
  // Everything reads `head` only from `start` up to `headEnd`, where the empty line starts; the
  // scans read single characters from `data`, where a read costs a third of a charCodeAt.
  if (isSipSlash(data, start)) {
    // §18.2.1: responses reaching a server are not its business; we send no requests.
    return { kind: 'drop', why: 'response received' };
  }
  let head = data.toString('latin1', 0, Math.min(data.length, start + HEAD_PROBE_BYTES));
  let lineEnd: number;
  let f: HeaderFields;
  for (;;) {
    lineEnd = head.indexOf('\r\n', start);
    // ── Header fields (parse-header-fields.ts), up to the empty line: faults are recorded there
    // and reported below, in order, once we know whether and where we can answer.
    f = scanHeaderFields(head, data, lineEnd === -1 ? head.length : lineEnd + 2);
    if (f.terminated || head.length === data.length) break;
    // Header fields longer than the probe (rare, and bounded by the datagram or stream limit).
    head = data.toString('latin1');
  }
  const headEnd = f.headEnd;
  const terminated = f.terminated;
  // The scan starts after the start line, so only a start line without CRLF ends past headEnd.
  if (lineEnd === -1) lineEnd = headEnd;

  const { from: fromAt, to: toAt, callId: callIdAt, cseq: cseqAt } = f;
  // §8.2.6.2, §18.2.2: without a usable top Via there is nowhere to answer over UDP, so the
  // message is dropped; a stream answers on its own connection. A malformed lower Via still leaves
  // the top one to answer the 400 to.
  const topVia = f.topVia;

  if (topVia === undefined && !stream) return { kind: 'drop', why: f.viaCount === 0 ? 'no Via' : 'malformed top Via' };

  let sp1 = head.indexOf(' ', start);
  if (sp1 >= lineEnd) sp1 = -1;
  let sp2 = sp1 === -1 ? -1 : head.indexOf(' ', sp1 + 1);
  if (sp2 >= lineEnd) sp2 = -1;
  const method = sp1 > start ? (commonMethod(head, data, start, sp1) ?? head.slice(start, sp1)) : head.slice(start, lineEnd);
  // The To tag decides whether the response adds one; a To we cannot parse gets none added.
  const to = toAt === undefined ? undefined : parseNameAddrIn(toAt.src, toAt.bytes, toAt.at, toAt.at + toAt.value.length, toAt.value);
  const basis: ResponseBasis = {
    via: f.viaValues,
    topVia,
    from: fromAt?.value,
    to: toAt?.value,
    toHasTag: to?.tag !== undefined,
    callId: callIdAt?.value,
    cseq: cseqAt?.value,
    method,
  };

  // ── Request-Line (§7.1): Method SP Request-URI SP SIP-Version, single spaces, nothing more.
  const sp3 = sp2 === -1 ? -1 : head.indexOf(' ', sp2 + 1);
  if (sp1 <= start || sp2 === -1 || (sp3 !== -1 && sp3 < lineEnd) || !isToken(method)) {
    return reject(basis, 400, 'Malformed Request-Line');
  }
  if (lineEnd - sp2 - 1 !== 7 || !spellsAt(data, sp2 + 1, SIP_2_0)) {
    const version = head.slice(sp2 + 1, lineEnd);
    if (!isSipVersion(version)) return reject(basis, 400, 'Malformed SIP-Version');
    if (version.toUpperCase() !== 'SIP/2.0') return reject(basis, 505, 'Version Not Supported');
  }
  if (sp2 - sp1 - 1 > limits.maxRequestUriBytes) return reject(basis, 414, 'Request-URI Too Long');

  if (f.fault !== undefined) return reject(basis, 400, f.fault);
  if (!terminated) return reject(basis, 400, 'Missing empty line after header fields');
  if (!f.viaOk) return reject(basis, 400, 'Malformed Via header field');
  // §8.1.1: "A valid SIP request formulated by a UAC MUST, at a minimum, contain the following
  // header fields: To, From, CSeq, Call-ID, Max-Forwards, and Via". Max-Forwards alone is not
  // demanded here: a proxy adds one when it is missing (§16.6 step 3).
  if (f.viaCount === 0) return reject(basis, 400, 'Missing Via header field');
  if (fromAt === undefined) return reject(basis, 400, 'Missing From header field');
  if (toAt === undefined) return reject(basis, 400, 'Missing To header field');
  if (callIdAt === undefined) return reject(basis, 400, 'Missing Call-ID header field');
  if (cseqAt === undefined) return reject(basis, 400, 'Missing CSeq header field');
  // §20: these fields have no comma-list form, so a second one is an error.
  if (f.duplicate !== undefined) return reject(basis, 400, `Multiple ${f.duplicate} header fields`);

  // ── Content-Length first: an oversize body is refused before anything else is read (§21.4.11).
  let contentLength: number | undefined;
  if (f.contentLength !== undefined) {
    contentLength = f.contentLength;
    if (contentLength === -1) return reject(basis, 400, 'Malformed Content-Length header field');
    if (contentLength > limits.maxBodyBytes) return reject(basis, 413, 'Request Entity Too Large');
  } else if (stream) {
    return reject(basis, 400, 'Missing Content-Length header field');
  }
  const bodyStart = headEnd + 4;
  const available = Math.max(0, data.length - bodyStart);
  let bodyEnd = bodyStart;
  if (contentLength !== undefined) {
    // §18.3: on UDP a shorter Content-Length truncates the body; a longer one is an error.
    if (contentLength > available) return reject(basis, 400, 'Content-Length larger than the message body');
    bodyEnd = bodyStart + contentLength;
  } else if (available > 0) {
    if (available > limits.maxBodyBytes) return reject(basis, 413, 'Request Entity Too Large');
    bodyEnd = data.length;
  }

  const from = parseNameAddrIn(fromAt.src, fromAt.bytes, fromAt.at, fromAt.at + fromAt.value.length, fromAt.value);
  if (from === undefined) return reject(basis, 400, 'Malformed From header field');
  if (to === undefined) return reject(basis, 400, 'Malformed To header field');
  const callId = callIdAt.value;
  if (!isCallIdIn(callIdAt.bytes, callIdAt.at, callIdAt.at + callId.length)) return reject(basis, 400, 'Malformed Call-ID header field');
  const cseq = parseCSeqIn(cseqAt.src, cseqAt.bytes, cseqAt.at, cseqAt.at + cseqAt.value.length);
  if (cseq === undefined) return reject(basis, 400, 'Malformed CSeq header field');
  if (cseq.method !== method) return reject(basis, 400, 'CSeq method does not match request method');

  let maxForwards: number | undefined;
  if (f.maxForwards !== undefined) {
    maxForwards = f.maxForwards;
    // §20.22: an integer 0–255 (RFC 4475 §3.1.2.4 lets a server refuse an overlarge value).
    if (maxForwards === -1 || maxForwards > 255) return reject(basis, 400, 'Malformed Max-Forwards header field');
  }

  if (!f.requireOk) return reject(basis, 400, 'Malformed Require header field');
  if (!f.proxyRequireOk) return reject(basis, 400, 'Malformed Proxy-Require header field');
  if (!f.supportedOk) return reject(basis, 400, 'Malformed Supported header field');

  let contentType: string | undefined;
  if (f.contentType !== undefined) {
    contentType = parseMediaType(f.contentType);
    if (contentType === undefined) return reject(basis, 400, 'Malformed Content-Type header field');
  }

  // §20.17: SIP-date is rfc1123-date in GMT only (RFC 4475 §3.1.2.12 baddate sends "EST").
  if (f.date !== undefined && !isSipDate(f.date)) return reject(basis, 400, 'Malformed Date header field');

  if (!f.contactOk) return reject(basis, 400, 'Malformed Contact header field');

  const uri = parseUriIn(head, data, sp1 + 1, sp2);
  if (uri === undefined) return reject(basis, 400, 'Malformed Request-URI');
  // §19.1.1 (table of URI components): headers are not allowed in a Request-URI; RFC 4475 §3.1.2.11
  // lets the element refuse such a request with 400 rather than guess what the headers mean.
  if (uri.headers !== undefined) return reject(basis, 400, 'Request-URI must not contain headers');

  const request = new ParsedRequest(method, uri, head, lineEnd + 2, headEnd, f, from, to, callId, cseq, maxForwards, contentType, contentLength, data, bodyStart, bodyEnd);
  return { kind: 'request', request, basis };
}

/**
 * A request `parseMessage` accepted. Every field the server reads is here at once; the list of all
 * header fields and the body's Buffer view are made when a rule first reads them (most requests
 * are answered without; the view alone was ~2.5% of a plain INVITE's parse). The message's bytes
 * stay as they are while the request lives: datagrams are fresh Buffers, and the TCP framer never
 * moves bytes it has emitted (tcp-framer.ts).
 */
class ParsedRequest implements SipRequest {
  readonly via: readonly Via[];
  readonly require: readonly string[];
  readonly proxyRequire: readonly string[];
  readonly supported: readonly string[];
  readonly contact: readonly NameAddr[] | '*' | undefined;
  readonly #head: string;
  readonly #headersStart: number;
  readonly #headEnd: number;
  #headers: readonly SipHeader[] | undefined;
  readonly #data: Buffer;
  readonly #bodyStart: number;
  readonly #bodyEnd: number;
  #body: Buffer | undefined;

  constructor(
    readonly method: string,
    readonly uri: SipUri,
    head: string,
    headersStart: number,
    headEnd: number,
    f: HeaderFields,
    readonly from: NameAddr,
    readonly to: NameAddr,
    readonly callId: string,
    readonly cseq: CSeq,
    readonly maxForwards: number | undefined,
    readonly contentType: string | undefined,
    readonly contentLength: number | undefined,
    data: Buffer,
    bodyStart: number,
    bodyEnd: number,
  ) {
    this.via = f.via;
    this.require = tagsOrNone(f.require);
    this.proxyRequire = tagsOrNone(f.proxyRequire);
    this.supported = tagsOrNone(f.supported);
    this.contact = f.contact;
    this.#head = head;
    this.#headersStart = headersStart;
    this.#headEnd = headEnd;
    this.#headers = undefined;
    this.#data = data;
    this.#bodyStart = bodyStart;
    this.#bodyEnd = bodyEnd;
    this.#body = bodyStart === bodyEnd ? EMPTY : undefined;
  }

  get body(): Buffer {
    return (this.#body ??= this.#data.subarray(this.#bodyStart, this.#bodyEnd));
  }

  get headers(): readonly SipHeader[] {
    return (this.#headers ??= listHeaderFields(this.#head, this.#headersStart, this.#headEnd));
  }

  get retainedBytes(): number {
    return this.#head.length + this.#bodyEnd - this.#bodyStart;
  }
}

/** The start line begins with "SIP/" (any case): a Status-Line, so a response (§7.2). */
function isSipSlash(data: Buffer, start: number): boolean {
  return (
    data.length >= start + 4 &&
    ((data[start] as number) | 0x20) === 0x73 &&
    ((data[start + 1] as number) | 0x20) === 0x69 &&
    ((data[start + 2] as number) | 0x20) === 0x70 &&
    data[start + 3] === 0x2f
  );
}

const SIP_2_0 = codesOf('SIP/2.0');

function reject(basis: ResponseBasis, status: number, reason: string): ParseOutcome {
  return { kind: 'reject', status, reason, basis };
}

function tagsOrNone(tags: string[] | undefined): readonly string[] {
  return tags === undefined || tags.length === 0 ? NO_TAGS : tags;
}
