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
import type { NameAddr, ResponseBasis, SipHeader, SipRequest, Via } from './message.js';
import type { ParseLimits, ParseOutcome } from './parse-outcome.js';
import { TOKEN, allIn, codesOf, isToken, parseDigits, spellsAt } from './charset.js';
import { canonicalHeaderName, commonHeaderName } from './header-names.js';
import { parseContactListIn, parseNameAddrIn } from './parse-name-addr.js';
import { parseUriIn } from './parse-uri.js';
import { parseViaIn } from './parse-via.js';
import { NO_TAGS, commonMethod, isCallIdIn, isSipDate, isSipVersion, parseCSeqIn, parseMediaType, tokenListIn } from './parse-fields.js';

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
  // usually with some of the body after the header fields: one conversion and a string search for
  // the empty line cost less than a Buffer search first (Buffer.indexOf was ~4% of a plain INVITE's
  // parse). Everything reads `head` only from `start` up to `headEnd`, where the empty line starts;
  // the scans read single characters from `data`, where a read costs a third of a charCodeAt.
  const probeEnd = Math.min(data.length, start + HEAD_PROBE_BYTES);
  let head = data.toString('latin1', 0, probeEnd);
  let headEnd = head.indexOf('\r\n\r\n', start);
  if (headEnd === -1 && probeEnd < data.length) {
    head = data.toString('latin1');
    headEnd = head.indexOf('\r\n\r\n', start);
  }
  const terminated = headEnd !== -1;
  if (!terminated) headEnd = head.length;

  let lineEnd = head.indexOf('\r\n', start);
  if (lineEnd === -1 || lineEnd > headEnd) lineEnd = headEnd;
  if (isSipSlash(data, start)) {
    // §18.2.1: responses reaching a server are not its business; we send no requests.
    return { kind: 'drop', why: 'response received' };
  }

  // ── Header fields: unfold, name, split; the fields the server reads are picked out in the same
  // pass. Errors are recorded, not returned, until we know whether and where we can answer.
  // The scan works on indices into `head` and slices only the name and the trimmed value: slicing
  // each line first and trimming it again cost ~10% of a plain INVITE's parse. The fields read
  // later are remembered by where their value lies (`…Src` is `head`, or the unfolded copy of a
  // folded line), so their parsers read `head` in place: re-reading the sliced values cost about
  // as much again as reading `head`, and a sliced string is slower to read than `head` itself.
  const headers: SipHeader[] = [];
  let fault: string | undefined;
  let duplicate: string | undefined;
  let fromRaw: string | undefined;
  let fromSrc = head;
  let fromBytes: Uint8Array = data;
  let fromAt = 0;
  let toRaw: string | undefined;
  let toSrc = head;
  let toBytes: Uint8Array = data;
  let toAt = 0;
  let callIdRaw: string | undefined;
  let callIdBytes: Uint8Array = data;
  let callIdAt = 0;
  let cseqRaw: string | undefined;
  let cseqSrc = head;
  let cseqBytes: Uint8Array = data;
  let cseqAt = 0;
  let mfRaw: string | undefined;
  let clRaw: string | undefined;
  let ctRaw: string | undefined;
  let dateRaw: string | undefined;
  let viaCount = 0;
  // §8.2.6.2: what a response must copy. Without a usable top Via there is nowhere to answer over
  // UDP (§18.2.2), so the message is dropped; a stream answers on its own connection. A malformed
  // lower Via still leaves the top one to answer the 400 to.
  const viaValues: string[] = [];
  const viaList: Via[] = [];
  let viaOk = true;
  let topVia: Via | undefined;
  let contact: NameAddr[] | '*' | undefined;
  let contactOk = true;
  // Option-tag lists, read as their lines are; a malformed one is refused in its turn below.
  let require: string[] | undefined;
  let requireOk = true;
  let proxyRequire: string[] | undefined;
  let proxyRequireOk = true;
  let supported: string[] | undefined;
  let supportedOk = true;
  let pos = lineEnd + 2;
  while (pos < headEnd) {
    const end = physicalLineEnd(head, data, pos, headEnd);
    if (end === -1) {
      fault ??= 'Bare CR or LF in a header field';
      pos = nextCrlf(head, pos, headEnd);
      continue;
    }
    let next = end + 2;
    const colon = head.indexOf(':', pos);
    let nameEnd = colon;
    while (nameEnd > pos && isWspCode(data[nameEnd - 1])) nameEnd--;
    if (colon === -1 || colon >= end || nameEnd === pos) {
      fault ??= isWspCode(data[pos]) ? 'Malformed header folding' : 'Malformed header field line';
      pos = next;
      continue;
    }
    let name = commonHeaderName(data, pos, nameEnd);
    if (name === undefined) {
      if (!allIn(head, pos, nameEnd, TOKEN, false)) {
        fault ??= isWspCode(data[pos]) ? 'Malformed header folding' : 'Malformed header field line';
        pos = next;
        continue;
      }
      name = canonicalHeaderName(head.slice(pos, nameEnd));
    }
    let value: string;
    let src = head;
    let bytes: Uint8Array = data;
    let at: number;
    if (next < headEnd && isWspCode(data[next])) {
      // §7.3.1: a line starting with whitespace continues the previous one (folding); each fold
      // becomes a single space.
      let folded = head.slice(colon + 1, end);
      let broken = false;
      while (next < headEnd && isWspCode(data[next])) {
        const e = physicalLineEnd(head, data, next, headEnd);
        if (e === -1) {
          broken = true;
          next = nextCrlf(head, next, headEnd);
          continue;
        }
        folded += ' ' + head.slice(next, e).trim();
        next = e + 2;
      }
      pos = next;
      if (broken) {
        fault ??= 'Bare CR or LF in a header field';
        continue;
      }
      value = folded.trim();
      src = value;
      bytes = Buffer.from(value, 'latin1');
      at = 0;
    } else {
      let vs = colon + 1;
      while (vs < end && isWspCode(data[vs])) vs++;
      let ve = end;
      while (ve > vs && isWspCode(data[ve - 1])) ve--;
      value = head.slice(vs, ve);
      at = vs;
      pos = next;
    }
    headers.push({ name, value });
    switch (name) {
      case 'via':
        viaCount++;
        if (viaOk) {
          const before = viaList.length;
          if (parseViaIn(src, bytes, at, at + value.length, viaList, value)) {
            for (let v = before; v < viaList.length; v++) viaValues.push((viaList[v] as Via).raw);
            topVia ??= viaList[0];
            break;
          }
          viaOk = false;
        }
        viaValues.push(value);
        break;
      case 'contact': {
        if (!contactOk) break;
        const list = parseContactListIn(src, bytes, at, at + value.length, value);
        if (list === undefined || ((list === '*' || contact === '*') && contact !== undefined)) contactOk = false;
        else if (contact === undefined || list === '*') contact = list;
        else contact = (contact as NameAddr[]).concat(list);
        break;
      }
      case 'from':
        if (fromRaw !== undefined) duplicate ??= 'From';
        fromRaw = value;
        fromSrc = src;
        fromBytes = bytes;
        fromAt = at;
        break;
      case 'to':
        if (toRaw !== undefined) duplicate ??= 'To';
        toRaw = value;
        toSrc = src;
        toBytes = bytes;
        toAt = at;
        break;
      case 'call-id':
        if (callIdRaw !== undefined) duplicate ??= 'Call-ID';
        callIdRaw = value;
        callIdBytes = bytes;
        callIdAt = at;
        break;
      case 'cseq':
        if (cseqRaw !== undefined) duplicate ??= 'CSeq';
        cseqRaw = value;
        cseqSrc = src;
        cseqBytes = bytes;
        cseqAt = at;
        break;
      case 'max-forwards':
        if (mfRaw !== undefined) duplicate ??= 'Max-Forwards';
        mfRaw = value;
        break;
      case 'content-length':
        if (clRaw !== undefined) duplicate ??= 'Content-Length';
        clRaw = value;
        break;
      case 'content-type':
        if (ctRaw !== undefined) duplicate ??= 'Content-Type';
        ctRaw = value;
        break;
      case 'date':
        dateRaw = value;
        break;
      case 'require':
        if (requireOk) requireOk = tokenListIn(src, bytes, at, at + value.length, true, (require ??= []));
        break;
      case 'proxy-require':
        if (proxyRequireOk) proxyRequireOk = tokenListIn(src, bytes, at, at + value.length, true, (proxyRequire ??= []));
        break;
      case 'supported':
        if (supportedOk) supportedOk = tokenListIn(src, bytes, at, at + value.length, false, (supported ??= []));
        break;
    }
  }

  if (topVia === undefined && !stream) return { kind: 'drop', why: viaCount === 0 ? 'no Via' : 'malformed top Via' };

  let sp1 = head.indexOf(' ', start);
  if (sp1 >= lineEnd) sp1 = -1;
  let sp2 = sp1 === -1 ? -1 : head.indexOf(' ', sp1 + 1);
  if (sp2 >= lineEnd) sp2 = -1;
  const method = sp1 > start ? (commonMethod(head, data, start, sp1) ?? head.slice(start, sp1)) : head.slice(start, lineEnd);
  // The To tag decides whether the response adds one; a To we cannot parse gets none added.
  const to = toRaw === undefined ? undefined : parseNameAddrIn(toSrc, toBytes, toAt, toAt + toRaw.length, toRaw);
  const basis: ResponseBasis = {
    via: viaValues,
    topVia,
    from: fromRaw,
    to: toRaw,
    toHasTag: to?.tag !== undefined,
    callId: callIdRaw,
    cseq: cseqRaw,
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

  if (fault !== undefined) return reject(basis, 400, fault);
  if (!terminated) return reject(basis, 400, 'Missing empty line after header fields');
  if (!viaOk) return reject(basis, 400, 'Malformed Via header field');
  if (viaCount === 0) return reject(basis, 400, 'Missing Via header field');
  if (fromRaw === undefined) return reject(basis, 400, 'Missing From header field');
  if (toRaw === undefined) return reject(basis, 400, 'Missing To header field');
  if (callIdRaw === undefined) return reject(basis, 400, 'Missing Call-ID header field');
  if (cseqRaw === undefined) return reject(basis, 400, 'Missing CSeq header field');
  // §20: these fields have no comma-list form, so a second one is an error.
  if (duplicate !== undefined) return reject(basis, 400, `Multiple ${duplicate} header fields`);

  // ── Content-Length first: an oversize body is refused before anything else is read (§21.4.11).
  let contentLength: number | undefined;
  if (clRaw !== undefined) {
    contentLength = parseDigits(clRaw, 10);
    if (contentLength === undefined) return reject(basis, 400, 'Malformed Content-Length header field');
    if (contentLength > limits.maxBodyBytes) return reject(basis, 413, 'Request Entity Too Large');
  } else if (stream) {
    return reject(basis, 400, 'Missing Content-Length header field');
  }
  const bodyStart = headEnd + 4;
  const available = Math.max(0, data.length - bodyStart);
  let body: Buffer = EMPTY;
  if (contentLength !== undefined) {
    // §18.3: on UDP a shorter Content-Length truncates the body; a longer one is an error.
    if (contentLength > available) return reject(basis, 400, 'Content-Length larger than the message body');
    if (contentLength > 0) body = data.subarray(bodyStart, bodyStart + contentLength);
  } else if (available > 0) {
    if (available > limits.maxBodyBytes) return reject(basis, 413, 'Request Entity Too Large');
    body = data.subarray(bodyStart);
  }

  const from = parseNameAddrIn(fromSrc, fromBytes, fromAt, fromAt + fromRaw.length, fromRaw);
  if (from === undefined) return reject(basis, 400, 'Malformed From header field');
  if (to === undefined) return reject(basis, 400, 'Malformed To header field');
  const callId = callIdRaw;
  if (!isCallIdIn(callIdBytes, callIdAt, callIdAt + callId.length)) return reject(basis, 400, 'Malformed Call-ID header field');
  const cseq = parseCSeqIn(cseqSrc, cseqBytes, cseqAt, cseqAt + cseqRaw.length);
  if (cseq === undefined) return reject(basis, 400, 'Malformed CSeq header field');
  if (cseq.method !== method) return reject(basis, 400, 'CSeq method does not match request method');

  let maxForwards: number | undefined;
  if (mfRaw !== undefined) {
    maxForwards = parseDigits(mfRaw, 3);
    // §20.22: an integer 0–255 (RFC 4475 §3.1.2.4 lets a server refuse an overlarge value).
    if (maxForwards === undefined || maxForwards > 255) return reject(basis, 400, 'Malformed Max-Forwards header field');
  }

  if (!requireOk) return reject(basis, 400, 'Malformed Require header field');
  if (!proxyRequireOk) return reject(basis, 400, 'Malformed Proxy-Require header field');
  if (!supportedOk) return reject(basis, 400, 'Malformed Supported header field');

  let contentType: string | undefined;
  if (ctRaw !== undefined) {
    contentType = parseMediaType(ctRaw);
    if (contentType === undefined) return reject(basis, 400, 'Malformed Content-Type header field');
  }

  // §20.17: SIP-date is rfc1123-date in GMT only (RFC 4475 §3.1.2.12 baddate sends "EST").
  if (dateRaw !== undefined && !isSipDate(dateRaw)) return reject(basis, 400, 'Malformed Date header field');

  if (!contactOk) return reject(basis, 400, 'Malformed Contact header field');

  const uri = parseUriIn(head, data, sp1 + 1, sp2);
  if (uri === undefined) return reject(basis, 400, 'Malformed Request-URI');
  // §19.1.1 (table of URI components): headers are not allowed in a Request-URI; RFC 4475 §3.1.2.11
  // lets the element refuse such a request with 400 rather than guess what the headers mean.
  if (uri.headers !== undefined) return reject(basis, 400, 'Request-URI must not contain headers');

  const request: SipRequest = {
    method,
    uri,
    headers,
    via: viaList,
    from,
    to,
    callId,
    cseq,
    maxForwards,
    require: require === undefined || require.length === 0 ? NO_TAGS : require,
    proxyRequire: proxyRequire === undefined || proxyRequire.length === 0 ? NO_TAGS : proxyRequire,
    supported: supported === undefined || supported.length === 0 ? NO_TAGS : supported,
    contact,
    contentType,
    contentLength,
    body,
  };
  return { kind: 'request', request, basis };
}

/**
 * End of the physical line starting at `pos`: the index of its CRLF, or the end of the head; -1
 * when the line holds a CR or LF that is not part of a CRLF (§7.3.1: lines end in CRLF only).
 */
function physicalLineEnd(head: string, data: Buffer, pos: number, headEnd: number): number {
  const lf = head.indexOf('\n', pos);
  if (lf === -1 || lf > headEnd) {
    // The last line: no LF before the empty line (whose CR is at headEnd, if there is one).
    const cr = head.indexOf('\r', pos);
    return cr === -1 || cr >= headEnd ? headEnd : -1;
  }
  return data[lf - 1] === 0x0d && head.indexOf('\r', pos) === lf - 1 ? lf - 1 : -1;
}

/** Start of the line after the next CRLF: where to resume after a broken line. */
function nextCrlf(head: string, pos: number, headEnd: number): number {
  const e = head.indexOf('\r\n', pos);
  return e === -1 || e >= headEnd ? headEnd : e + 2;
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

function isWspCode(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09;
}
