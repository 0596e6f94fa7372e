/**
 * The header fields of a request (§7.3): one pass over the lines between the start line and the
 * empty line — unfolding (§7.3.1), names in any case or compact form (§7.3.3), comma lists — that
 * also picks out and, where cheap, validates the fields the server reads. Errors are recorded, not
 * returned: parse.ts decides in which order they are reported, once it knows whether and where it
 * can answer.
 *
 * Hot path. The scan works on indices into `head` (the latin1 text of the message from its first
 * byte, so an index is also an index into `data`) and reads single characters from `data`, where a
 * read costs a third of a charCodeAt. It slices only each name and trimmed value: slicing each line
 * first and trimming it again cost ~10% of a plain INVITE's parse. The fields read later are kept
 * with where their value lies (`Located`), so their parsers read `head` in place: re-reading sliced
 * values cost about as much again as reading `head`.
 */
import type { NameAddr, SipHeader, Via } from './message.js';
import { TOKEN, allIn } from './charset.js';
import { canonicalHeaderName, commonHeaderName } from './header-names.js';
import { parseContactListIn } from './parse-name-addr.js';
import { parseViaIn } from './parse-via.js';
import { tokenListIn } from './parse-fields.js';

/** A header value and where it lies: `src[at, at + value.length)`, the same bytes in `bytes`. */
export interface Located {
  readonly value: string;
  /** `head`, or for a folded line its unfolded copy. */
  readonly src: string;
  readonly bytes: Uint8Array;
  readonly at: number;
}

export class HeaderFields {
  /** Every header in arrival order. */
  readonly headers: SipHeader[] = [];
  /** The first fault found in the lines themselves (bare CR/LF, bad folding, bad name). */
  fault: string | undefined;
  /** A field that must appear once (§20) and appeared again. */
  duplicate: string | undefined;
  from: Located | undefined;
  to: Located | undefined;
  callId: Located | undefined;
  cseq: Located | undefined;
  maxForwards: string | undefined;
  contentLength: string | undefined;
  contentType: string | undefined;
  date: string | undefined;
  viaCount = 0;
  /** §8.2.6.2: the Via values a response copies, in order, as received. */
  readonly viaValues: string[] = [];
  readonly via: Via[] = [];
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

/** Scan the header lines of `head` from `pos` (the start of the first one) to `headEnd`. */
export function scanHeaderFields(head: string, data: Buffer, pos: number, headEnd: number): HeaderFields {
  const f = new HeaderFields();
  while (pos < headEnd) {
    const end = physicalLineEnd(head, data, pos, headEnd);
    if (end === -1) {
      f.fault ??= 'Bare CR or LF in a header field';
      pos = nextCrlf(head, pos, headEnd);
      continue;
    }
    let next = end + 2;
    const colon = head.indexOf(':', pos);
    let nameEnd = colon;
    while (nameEnd > pos && isWspCode(data[nameEnd - 1])) nameEnd--;
    if (colon === -1 || colon >= end || nameEnd === pos) {
      f.fault ??= isWspCode(data[pos]) ? 'Malformed header folding' : 'Malformed header field line';
      pos = next;
      continue;
    }
    let name = commonHeaderName(data, pos, nameEnd);
    if (name === undefined) {
      if (!allIn(head, pos, nameEnd, TOKEN, false)) {
        f.fault ??= isWspCode(data[pos]) ? 'Malformed header folding' : 'Malformed header field line';
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
        f.fault ??= 'Bare CR or LF in a header field';
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
    f.headers.push({ name, value });
    pickField(f, name, value, src, bytes, at);
  }
  return f;
}

/** Record or parse one field the server reads; the others stay in `headers` only. */
function pickField(f: HeaderFields, name: string, value: string, src: string, bytes: Uint8Array, at: number): void {
  const to = at + value.length;
  switch (name) {
    case 'via':
      f.viaCount++;
      if (f.viaOk) {
        const before = f.via.length;
        if (parseViaIn(src, bytes, at, to, f.via, value)) {
          for (let v = before; v < f.via.length; v++) f.viaValues.push((f.via[v] as Via).raw);
          f.topVia ??= f.via[0];
          return;
        }
        f.viaOk = false;
      }
      f.viaValues.push(value);
      return;
    case 'contact': {
      if (!f.contactOk) return;
      const list = parseContactListIn(src, bytes, at, to, value);
      const contact = f.contact;
      // §10.3 step 6: "*" with any other Contact is invalid (and answered 400).
      if (list === undefined || ((list === '*' || contact === '*') && contact !== undefined)) f.contactOk = false;
      else if (contact === undefined || list === '*') f.contact = list;
      else f.contact = (contact as NameAddr[]).concat(list);
      return;
    }
    // §20: these fields have no comma-list form, so a second one is an error.
    case 'from':
      if (f.from !== undefined) f.duplicate ??= 'From';
      f.from = { value, src, bytes, at };
      return;
    case 'to':
      if (f.to !== undefined) f.duplicate ??= 'To';
      f.to = { value, src, bytes, at };
      return;
    case 'call-id':
      if (f.callId !== undefined) f.duplicate ??= 'Call-ID';
      f.callId = { value, src, bytes, at };
      return;
    case 'cseq':
      if (f.cseq !== undefined) f.duplicate ??= 'CSeq';
      f.cseq = { value, src, bytes, at };
      return;
    case 'max-forwards':
      if (f.maxForwards !== undefined) f.duplicate ??= 'Max-Forwards';
      f.maxForwards = value;
      return;
    case 'content-length':
      if (f.contentLength !== undefined) f.duplicate ??= 'Content-Length';
      f.contentLength = value;
      return;
    case 'content-type':
      if (f.contentType !== undefined) f.duplicate ??= 'Content-Type';
      f.contentType = value;
      return;
    case 'date':
      f.date = value;
      return;
    // Option-tag lists, read as their lines are; a malformed one is refused in its turn by parse.ts.
    case 'require':
      if (f.requireOk) f.requireOk = tokenListIn(src, bytes, at, to, true, (f.require ??= []));
      return;
    case 'proxy-require':
      if (f.proxyRequireOk) f.proxyRequireOk = tokenListIn(src, bytes, at, to, true, (f.proxyRequire ??= []));
      return;
    case 'supported':
      if (f.supportedOk) f.supportedOk = tokenListIn(src, bytes, at, to, false, (f.supported ??= []));
      return;
  }
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

export function isWspCode(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09;
}
