/**
 * One journal entry and its responses as the API, the event stream and pcap read them: a view of
 * the journal's slots (src/journal/slots.ts) by id, made when asked for. The bytes and the parsed
 * essentials are read from the journal's ring on demand; an entry that has left the journal
 * (evicted, overwritten or cleared) is `gone` and reads as empty.
 */
import type { TransportName } from '../transport/flow.js';
import { isByteStream } from '../transport/flow.js';
import { fieldsOf, type EntryFields } from './entry-fields.js';
import { ABSORBED, REFUSED, RETRANSMISSION, TRANSPORTS, type EntrySlots, type ResponseSlots } from './slots.js';

/** The reason phrase read from a status line is cut at this many bytes. */
const MAX_REASON_BYTES = 256;
const NO_FIELDS = fieldsOf(Buffer.alloc(0), false, false);

/** What a view reads: the slots, and the ring the bytes are in (`undefined` once cleared). */
export interface JournalStore {
  readonly entries: EntrySlots;
  readonly responseSlots: ResponseSlots;
  readonly ringBytes: Buffer | undefined;
}

/**
 * The last entry whose fields were parsed: serializing one entry reads six of them, a filter two
 * or three; one slot makes that one parse and keeps nothing of older entries alive.
 */
const last: { store: JournalStore | undefined; id: number; fields: EntryFields } = { store: undefined, id: 0, fields: NO_FIELDS };

function text(store: JournalStore, pos: number, length: number): string {
  const ring = store.ringBytes;
  if (ring === undefined) return '';
  const at = pos % ring.length;
  return ring.toString('latin1', at, at + length);
}

/** A response sent to an entry's request. */
export class JournalResponse {
  constructor(
    private readonly owner: JournalEntry,
    private readonly slot: number,
  ) {}

  private get slots(): ResponseSlots {
    return this.owner.store.responseSlots;
  }

  get time(): number {
    return this.owner.gone ? 0 : this.slots.time[this.slot]!;
  }
  get code(): number {
    return this.owner.gone ? 0 : this.slots.code[this.slot]!;
  }
  /** The same bytes sent again (§17.2.1 Timer G, or a resend for a retransmitted request). */
  get retransmission(): boolean {
    return !this.owner.gone && this.slots.again[this.slot] === 1;
  }
  /** Where its bytes are in the ring. */
  get at(): number {
    const ring = this.owner.store.ringBytes;
    return this.owner.gone || ring === undefined ? 0 : this.slots.pos[this.slot]! % ring.length;
  }
  get length(): number {
    return this.owner.gone ? 0 : this.slots.length[this.slot]!;
  }

  /** The bytes sent, one latin1 character per byte. */
  get raw(): string {
    return this.owner.gone ? '' : text(this.owner.store, this.slots.pos[this.slot]!, this.slots.length[this.slot]!);
  }

  /** §7.2 Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF: bytes 12 to the CR. */
  get reason(): string {
    const length = this.length;
    const ring = this.owner.store.ringBytes;
    if (length <= 12 || ring === undefined) return '';
    const at = this.at;
    const stop = at + Math.min(length, 12 + MAX_REASON_BYTES);
    let end = at + 12;
    while (end < stop && ring[end] !== 0x0d) end++;
    return ring.toString('latin1', at + 12, end);
  }
}

/** Status code of a response's first line, "SIP/2.0 NNN …" (§7.2); 0 when it has none. */
export function statusCodeOf(data: Buffer): number {
  if (data.length < 11) return 0;
  const code = (data[8]! - 48) * 100 + (data[9]! - 48) * 10 + (data[10]! - 48);
  return Number.isInteger(code) && code >= 100 && code <= 699 && data[9]! >= 48 && data[9]! <= 57 && data[10]! >= 48 && data[10]! <= 57 ? code : 0;
}

export class JournalEntry {
  constructor(
    readonly store: JournalStore,
    readonly id: number,
  ) {}

  /** The entry's slot, -1 once it has left the journal. */
  private get slot(): number {
    return this.store.entries.slotOf(this.id);
  }
  /** Left the journal (evicted, overwritten or cleared): later responses are not recorded. */
  get gone(): boolean {
    return this.slot < 0;
  }
  private num(a: Float64Array | Int32Array | Uint16Array | Uint8Array): number {
    const s = this.slot;
    return s < 0 ? 0 : a[s]!;
  }
  private flag(bit: number): boolean {
    return (this.num(this.store.entries.flags) & bit) !== 0;
  }

  get time(): number {
    return this.num(this.store.entries.time);
  }
  get transport(): TransportName {
    return TRANSPORTS[this.num(this.store.entries.transport)]!;
  }
  get address(): string {
    const s = this.slot;
    return s < 0 ? '' : this.store.entries.address[s]!;
  }
  get port(): number {
    return this.num(this.store.entries.port);
  }
  /** Hash of the Call-ID (src/journal/journal.ts, callIdKey): entries that differ here differ. */
  get key(): number {
    return this.num(this.store.entries.key);
  }
  /** The parser refused the request (answered statelessly, rule "parser"). */
  get refused(): boolean {
    return this.flag(REFUSED);
  }
  /** The rule (or stub) that chose the final answer: the `rule` of the `answered` log line. */
  get rule(): string | undefined {
    const s = this.slot;
    return s < 0 ? undefined : this.store.entries.rule[s];
  }
  /** This request is a retransmission (§17.2.1, §17.2.2) of entry `retransmissionOf`. */
  get retransmission(): boolean {
    return this.flag(RETRANSMISSION);
  }
  get retransmissionOf(): number | undefined {
    return this.num(this.store.entries.retransmissionOf) || undefined;
  }
  /** Retransmissions of this request received since. */
  get retransmissions(): number {
    return this.num(this.store.entries.retransmissions);
  }
  /** An ACK: never answered, absorbed by its INVITE transaction or its dialog (§17.2.1, §13.3.1.4). */
  get absorbed(): boolean {
    return this.flag(ABSORBED);
  }
  /** Responses past MAX_RESPONSES, counted but not kept. */
  get responsesDropped(): number {
    return this.num(this.store.entries.responsesDropped);
  }
  /** Bytes charged against journal.maxBytes. */
  get bytes(): number {
    return this.num(this.store.entries.bytes);
  }

  /** Responses, oldest first. */
  get responses(): readonly JournalResponse[] {
    const s = this.slot;
    const out: JournalResponse[] = [];
    if (s < 0) return out;
    const next = this.store.responseSlots.next;
    for (let r = this.store.entries.firstResponse[s]!; r >= 0; r = next[r]!) out.push(new JournalResponse(this, r));
    return out;
  }

  /** The bytes received, one latin1 character per byte. */
  get raw(): string {
    const s = this.slot;
    return s < 0 ? '' : text(this.store, this.store.entries.pos[s]!, this.store.entries.length[s]!);
  }

  /** Parsed again from the bytes: see src/journal/entry-fields.ts. */
  essentials(): EntryFields {
    if (last.store === this.store && last.id === this.id) return last.fields;
    const s = this.slot;
    const ring = this.store.ringBytes;
    let fields = NO_FIELDS;
    // The ring is there while any entry is (clear() drops both).
    if (s >= 0 && ring !== undefined) {
      const at = this.store.entries.pos[s]! % ring.length;
      fields = fieldsOf(ring.subarray(at, at + this.store.entries.length[s]!), isByteStream(this.transport), this.refused);
    }
    last.store = this.store;
    last.id = this.id;
    last.fields = fields;
    return fields;
  }

  get method(): string {
    const s = this.slot;
    return (s < 0 ? undefined : this.store.entries.method[s]) ?? this.essentials().method ?? '';
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
