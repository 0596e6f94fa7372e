/**
 * The header fields of a request (§7.3): one pass over the lines between the start line and the
 * empty line — unfolding (§7.3.1), names in any case or compact form (§7.3.3), comma lists — that
 * also picks out and, where cheap, validates the fields the server reads. Errors are recorded, not
 * returned: parse.ts decides in which order they are reported, once it knows whether and where it
 * can answer.
 *
 * Hot path. The scan works on indices into `head` (the latin1 text of the message from its first
 * byte, so an index is also an index into `data`) and reads single characters from `data`, where a
 * read costs a third of a charCodeAt. It slices no line and no name of the usual headers, and only
 * the values the server keeps as text (slicing each line first and trimming it again cost ~10% of
 * a plain INVITE's parse); the list of every header is built on demand. The fields read later are kept
 * with where their value lies (`Located`), so their parsers read `head` in place: re-reading sliced
 * values cost about as much again as reading `head`.
 */
import type { NameAddr, SipHeader, Via } from './message.js';
import { TOKEN, allIn, isWsp, latin1Bytes, parseDigitsIn } from './charset.js';
import { canonicalHeaderName, commonHeaderName } from './header-names.js';
import { parseContactListIn } from './parse-name-addr.js';
import { parseViaIn } from './parse-via.js';
import { tokenListIn } from './parse-fields.js';

/**
 * A header value and where it lies: `src[at, at + value.length)`, the same bytes in `bytes`. The
 * scan keeps one of these per field it locates.
 */
export class Located {
  constructor(
    readonly value: string,
    /** `head`, or for a folded line its unfolded copy. */
    readonly src: string,
    readonly bytes: Uint8Array,
    readonly at: number,
  ) {}
}

/**
 * What the scan found, fresh per message: its lists go on into the request. (Reusing one instance
 * was measured slower: an old-generation object written with young values pays a write barrier on
 * every store.) Hot path: a {name, value} object per header line was ~1 KB of every INVITE's
 * ~4.2 KB of garbage; the header list is now built only when a rule reads it (`listHeaderFields`).
 */
export class HeaderFields {
  /** Where the CRLFCRLF after the last header line starts, or the end of the text without one. */
  headEnd = 0;
  /** Whether the empty line was found (else the message was cut short). */
  terminated = false;
  /** The first fault found in the lines themselves (bare CR/LF, bad folding, bad name). */
  fault: string | undefined;
  /** A field that must appear once (§20) and appeared again. */
  duplicate: string | undefined;
  from: Located | undefined;
  to: Located | undefined;
  callId: Located | undefined;
  cseq: Located | undefined;
  /** Its digits' value; -1 when the value is not 1*DIGIT (of at most 3 / 10 significant digits). */
  maxForwards: number | undefined;
  contentLength: number | undefined;
  contentType: string | undefined;
  date: string | undefined;
  viaCount = 0;
  /** §8.2.6.2: the Via values a response copies, in order, as received. */
  viaValues: string[] = [];
  via: Via[] = [];
  /** The first Via of the first Via line that parsed whole: where a response goes (§18.2.2). */
  topVia: Via | undefined;
  /** False once a Via value failed to parse; later ones are then kept raw only. */
  viaOk = true;
  contact: NameAddr[] | '*' | undefined;
  contactOk = true;
  require: string[] | undefined;
  requireOk = true;
  proxyRequire: string[] | undefined;
  proxyRequireOk = true;
  supported: string[] | undefined;
  supportedOk = true;
}

/**
 * Scan the header lines of `head` from `pos` (the start of the first one) up to the empty line
 * that ends them, which the scan finds on the way (`headEnd`, `terminated`): a separate search for
 * CRLFCRLF first read the whole head once more (~4% of a plain INVITE's parse).
 */
export function scanHeaderFields(head: string, data: Buffer, pos: number): HeaderFields {
  const f = new HeaderFields();
  const limit = head.length;
  for (;;) {
    if (pos >= limit) {
      f.headEnd = limit;
      break;
    }
    if (data[pos] === 0x0d && data[pos + 1] === 0x0a) {
      // The empty line: the header fields end with the CRLF before it.
      f.headEnd = pos - 2;
      f.terminated = true;
      break;
    }
    const end = physicalLineEnd(head, data, pos);
    if (end === -1) {
      f.fault ??= 'Bare CR or LF in a header field';
      pos = nextCrlf(head, pos);
      continue;
    }
    const next = end + 2;
    const colon = head.indexOf(':', pos);
    let nameEnd = colon;
    while (nameEnd > pos && isWsp(data[nameEnd - 1])) nameEnd--;
    if (colon === -1 || colon >= end || nameEnd === pos) {
      f.fault ??= isWsp(data[pos]) ? 'Malformed header folding' : 'Malformed header field line';
      pos = next;
      continue;
    }
    let name = commonHeaderName(data, pos, nameEnd);
    if (name === undefined) {
      if (!allIn(head, pos, nameEnd, TOKEN, false)) {
        f.fault ??= isWsp(data[pos]) ? 'Malformed header folding' : 'Malformed header field line';
        pos = next;
        continue;
      }
      name = canonicalHeaderName(head.slice(pos, nameEnd));
    }
    if (next < limit && isWsp(data[next])) {
      // §7.3.1: a line starting with whitespace continues the previous one (folding).
      const unfolded = unfold(head, data, colon, end, limit);
      pos = unfolded.next;
      if (unfolded.value === undefined) {
        f.fault ??= 'Bare CR or LF in a header field';
        continue;
      }
      const value = unfolded.value;
      pickField(f, name, value, Buffer.from(value, 'latin1'), 0, value.length);
    } else {
      let vs = colon + 1;
      while (vs < end && isWsp(data[vs])) vs++;
      let ve = end;
      while (ve > vs && isWsp(data[ve - 1])) ve--;
      pickField(f, name, head, data, vs, ve);
      pos = next;
    }
  }
  return f;
}

interface Unfolded {
  /** The value with each fold (CRLF + whitespace) replaced by one space, trimmed; undefined for a bare CR/LF. */
  value: string | undefined;
  /** Where the next header line starts. */
  next: number;
}

/** `unfold`'s result, one object for every call: parsing is synchronous and callers read it at once. */
const unfolded: Unfolded = { value: undefined, next: 0 };

/** §7.3.1: the value after `colon` on the line ending at `end`, with its continuation lines before `limit`. */
function unfold(head: string, data: Uint8Array, colon: number, end: number, limit: number): Unfolded {
  let folded = head.slice(colon + 1, end);
  let next = end + 2;
  let broken = false;
  while (next < limit && isWsp(data[next])) {
    const e = physicalLineEnd(head, data, next);
    if (e === -1) {
      broken = true;
      next = nextCrlf(head, next);
      continue;
    }
    folded += ' ' + head.slice(next, e).trim();
    next = e + 2;
  }
  unfolded.value = broken ? undefined : folded.trim();
  unfolded.next = next;
  return unfolded;
}

/**
 * Every header field of a request the scan accepted, in arrival order, with canonical names and
 * unfolded, trimmed values (§7.3). Off the hot path: built when a rule first reads the list, from
 * the text alone (the message's Buffer may have been reused since).
 */
export function listHeaderFields(head: string, pos: number, headEnd: number): SipHeader[] {
  const out: SipHeader[] = [];
  // Up to the CRLF that ends the last line, which `unfold` reads.
  const data = latin1Bytes(head.slice(0, headEnd + 2));
  while (pos < headEnd) {
    let end = head.indexOf('\r\n', pos);
    if (end === -1 || end > headEnd) end = headEnd;
    const colon = head.indexOf(':', pos);
    let nameEnd = colon;
    while (nameEnd > pos && isWsp(data[nameEnd - 1])) nameEnd--;
    const name = commonHeaderName(data, pos, nameEnd) ?? canonicalHeaderName(head.slice(pos, nameEnd));
    if (end + 2 < headEnd && isWsp(data[end + 2])) {
      const u = unfold(head, data, colon, end, headEnd);
      out.push({ name, value: u.value ?? '' });
      pos = u.next;
    } else {
      out.push({ name, value: head.slice(colon + 1, end).trim() });
      pos = end + 2;
    }
  }
  return out;
}

/**
 * Record or parse one field if the server reads it (the others are left to `listHeaderFields`): its
 * trimmed value is src[at, to), the same bytes in `bytes`. Only values that go on as text are
 * sliced; numbers and option tags are read in place, and unread fields cost nothing here.
 */
function pickField(f: HeaderFields, name: string, src: string, bytes: Uint8Array, at: number, to: number): void {
  switch (name) {
    case 'via': {
      const value = src.slice(at, to);
      f.viaCount++;
      if (f.viaOk) {
        const before = f.via.length;
        if (parseViaIn(src, bytes, at, to, f.via, value)) {
          for (let v = before; v < f.via.length; v++) f.viaValues.push((f.via[v] as Via).raw);
          f.topVia ??= f.via[0];
          return;
        }
        f.via.length = before;
        f.viaOk = false;
      }
      f.viaValues.push(value);
      return;
    }
    case 'contact': {
      if (!f.contactOk) return;
      const list = parseContactListIn(src, bytes, at, to, src.slice(at, to));
      const contact = f.contact;
      // §10.3 step 6: "*" with any other Contact is invalid (and answered 400).
      if (list === undefined || ((list === '*' || contact === '*') && contact !== undefined)) f.contactOk = false;
      else if (contact === undefined || list === '*') f.contact = list;
      else f.contact = (contact as NameAddr[]).concat(list);
      return;
    }
    // §20: these fields have no comma-list form, so a second one is an error (§7.3); the first
    // stands, so the 400 echoes what the client sent first (§8.2.6.2) and nothing is overwritten.
    case 'from':
      if (f.from === undefined) f.from = new Located(src.slice(at, to), src, bytes, at);
      else f.duplicate ??= 'From';
      return;
    case 'to':
      if (f.to === undefined) f.to = new Located(src.slice(at, to), src, bytes, at);
      else f.duplicate ??= 'To';
      return;
    case 'call-id':
      if (f.callId === undefined) f.callId = new Located(src.slice(at, to), src, bytes, at);
      else f.duplicate ??= 'Call-ID';
      return;
    case 'cseq':
      if (f.cseq === undefined) f.cseq = new Located(src.slice(at, to), src, bytes, at);
      else f.duplicate ??= 'CSeq';
      return;
    case 'max-forwards':
      if (f.maxForwards === undefined) f.maxForwards = parseDigitsIn(bytes, at, to, 3) ?? -1;
      else f.duplicate ??= 'Max-Forwards';
      return;
    case 'content-length':
      if (f.contentLength === undefined) f.contentLength = parseDigitsIn(bytes, at, to, 10) ?? -1;
      else f.duplicate ??= 'Content-Length';
      return;
    case 'content-type':
      if (f.contentType === undefined) f.contentType = src.slice(at, to);
      else f.duplicate ??= 'Content-Type';
      return;
    case 'date':
      if (f.date === undefined) f.date = src.slice(at, to);
      else f.duplicate ??= 'Date';
      return;
    // Option-tag lists, read as their lines are; a malformed one is refused in its turn by parse.ts.
    case 'require':
      if (!f.requireOk) return;
      f.requireOk = tokenListIn(src, bytes, at, to, true, (f.require ??= []));
      return;
    case 'proxy-require':
      if (!f.proxyRequireOk) return;
      f.proxyRequireOk = tokenListIn(src, bytes, at, to, true, (f.proxyRequire ??= []));
      return;
    case 'supported':
      if (!f.supportedOk) return;
      f.supportedOk = tokenListIn(src, bytes, at, to, false, (f.supported ??= []));
      return;
  }
}

/**
 * End of the physical line starting at `pos`: the index of its CRLF, or the end of `head` for a
 * last line without one; -1 when the line holds a CR or LF that is not part of a CRLF (§7.3.1:
 * lines end in CRLF only).
 */
function physicalLineEnd(head: string, data: Uint8Array, pos: number): number {
  const lf = head.indexOf('\n', pos);
  if (lf === -1) return head.indexOf('\r', pos) === -1 ? head.length : -1;
  return data[lf - 1] === 0x0d && head.indexOf('\r', pos) === lf - 1 ? lf - 1 : -1;
}

/** Start of the line after the next CRLF (or the end of `head`): where to resume after a broken line. */
function nextCrlf(head: string, pos: number): number {
  const e = head.indexOf('\r\n', pos);
  return e === -1 ? head.length : e + 2;
}
