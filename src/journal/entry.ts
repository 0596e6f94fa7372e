/**
 * One journal entry and its responses, as the journal keeps them: numbers, a few strings that are
 * shared or tiny, and where the bytes lie in the journal's ring (docs/ARCHITECTURE.md, "Request
 * journal"). The bytes and the parsed essentials are read from the ring on demand; an entry whose
 * bytes have been overwritten has already left the journal (`gone`), and reads as empty.
 */
import type { TransportName } from '../transport/flow.js';
import { isByteStream } from '../transport/flow.js';
import { fieldsOf, type EntryFields } from './entry-fields.js';

/** The reason phrase read from a status line is cut at this many bytes. */
const MAX_REASON_BYTES = 256;
const NO_RESPONSES: readonly JournalResponse[] = Object.freeze([]);

/**
 * The last entry whose fields were parsed: serializing one entry reads six of them, a filter two
 * or three; one slot makes that one parse and keeps nothing of older entries alive.
 */
const last: { entry: JournalEntry | undefined; fields: EntryFields | undefined } = { entry: undefined, fields: undefined };

/** A response sent to an entry's request: `length` bytes at `at` in the ring. */
export class JournalResponse {
  constructor(
    private readonly owner: JournalEntry,
    readonly time: number,
    readonly code: number,
    /** The same bytes sent again (§17.2.1 Timer G, or a resend for a retransmitted request). */
    readonly retransmission: boolean,
    readonly at: number,
    readonly length: number,
  ) {}

  /** The bytes sent, one latin1 character per byte. */
  get raw(): string {
    return this.owner.gone ? '' : this.owner.ring.toString('latin1', this.at, this.at + this.length);
  }

  /** §7.2 Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF: bytes 12 to the CR. */
  get reason(): string {
    if (this.owner.gone || this.length <= 12) return '';
    const ring = this.owner.ring;
    const stop = this.at + Math.min(this.length, 12 + MAX_REASON_BYTES);
    let end = this.at + 12;
    while (end < stop && ring[end] !== 0x0d) end++;
    return ring.toString('latin1', this.at + 12, end);
  }
}

/** Status code of a response's first line, "SIP/2.0 NNN …" (§7.2); 0 when it has none. */
export function statusCodeOf(data: Buffer): number {
  if (data.length < 11) return 0;
  const code = (data[8]! - 48) * 100 + (data[9]! - 48) * 10 + (data[10]! - 48);
  return Number.isInteger(code) && code >= 100 && code <= 699 && data[9]! >= 48 && data[9]! <= 57 && data[10]! >= 48 && data[10]! <= 57 ? code : 0;
}

export class JournalEntry {
  /** Responses, oldest first; none allocated until the first. */
  private kept: JournalResponse[] | undefined = undefined;
  /** The rule (or stub) that chose the final answer: the `rule` of the `answered` log line. */
  rule: string | undefined = undefined;
  /** This request is a retransmission (§17.2.1, §17.2.2) of entry `retransmissionOf`. */
  retransmission = false;
  retransmissionOf: number | undefined = undefined;
  /** Retransmissions of this request received since. */
  retransmissions = 0;
  /** An ACK: never answered, absorbed by its INVITE transaction or its dialog (§17.2.1, §13.3.1.4). */
  absorbed = false;
  /** Responses past MAX_RESPONSES, counted but not kept. */
  responsesDropped = 0;
  /** Left the journal (evicted, overwritten or cleared): later responses are not recorded. */
  gone = false;

  constructor(
    readonly id: number,
    readonly time: number,
    readonly transport: TransportName,
    readonly address: string,
    readonly port: number,
    /** The method when it is a short string (one the parser shares, or copied): else read lazily. */
    private readonly shortMethod: string | undefined,
    /** The parser refused the request (answered statelessly, rule "parser"). */
    readonly refused: boolean,
    /** Hash of the Call-ID (src/journal/journal.ts, callIdKey): entries that differ here differ. */
    readonly key: number,
    /** The journal's ring when the entry was made. */
    readonly ring: Buffer,
    /** Turns of the ring before `at`: `lap * ring.length + at` orders every write. */
    readonly lap: number,
    readonly at: number,
    readonly length: number,
    /** Bytes charged against journal.maxBytes. */
    public bytes: number,
  ) {}

  /** Where the bytes start counted from the ring's first write: older than the ring's floor = overwritten. */
  get position(): number {
    return this.lap * this.ring.length + this.at;
  }

  get responses(): readonly JournalResponse[] {
    return this.kept ?? NO_RESPONSES;
  }

  addResponse(r: JournalResponse): void {
    // A literal of one: most entries get one response, and an empty [] grows to room for 17 at once.
    if (this.kept === undefined) this.kept = [r];
    else this.kept.push(r);
  }

  /** The bytes received, one latin1 character per byte. */
  get raw(): string {
    return this.gone ? '' : this.ring.toString('latin1', this.at, this.at + this.length);
  }

  /** Parsed again from the bytes: see src/journal/entry-fields.ts. */
  essentials(): EntryFields {
    if (last.entry === this && last.fields !== undefined) return last.fields;
    const fields = this.gone ? fieldsOf(Buffer.alloc(0), false, this.refused) : fieldsOf(this.ring.subarray(this.at, this.at + this.length), isByteStream(this.transport), this.refused);
    last.entry = this;
    last.fields = fields;
    return fields;
  }

  get method(): string {
    return this.shortMethod ?? this.essentials().method ?? '';
  }
  get ruri(): string | undefined {
    return this.essentials().ruri;
  }
  get ruriUser(): string | undefined {
    return this.essentials().ruriUser;
  }
  get callId(): string | undefined {
    return this.essentials().callId;
  }
  get fromUser(): string | undefined {
    return this.essentials().fromUser;
  }
  get toUser(): string | undefined {
    return this.essentials().toUser;
  }
  get cseq(): string | undefined {
    return this.essentials().cseq;
  }
}
