/**
 * The registrar's location table (§10.3): per address-of-record, the Contact bindings a REGISTER
 * made, each with the Call-ID and CSeq that last wrote it (step 7 orders updates by them) and an
 * expiry, a Deadline (util/deadlines.ts) cancelled whenever the binding is refreshed or removed
 * first; reads also skip anything already past its time, so a late deadline never shows a stale
 * binding.
 *
 * Bounded by count and by bytes: a REGISTER that would leave an address-of-record with more than
 * `maxContacts` bindings or `maxBytesPerUser` bytes of them, or the whole table over `maxBytes`, is
 * refused whole, and only users the registrar accepts get an entry. Nothing is ever evicted to make
 * room: a binding belongs to a user who proved who they are (§10.3 step 3).
 *
 * An entry keeps strings of its own, never slices of the REGISTER's header text, which V8 would
 * keep whole behind them (ownCopy).
 */
import type { SipUri } from '../sip/message.js';
import { parseUri } from '../sip/parse-uri.js';
import { detached } from '../util/detached.js';
import type { Clock } from '../util/clock.js';
import { Deadlines, type Deadline } from '../util/deadlines.js';
import { sameUri } from './uri-match.js';

/** A Contact to bind (expires > 0) or unbind (expires 0), as one REGISTER asks. */
export interface BindingRequest {
  readonly uri: SipUri;
  /** The Contact value to give back in 200 OK / 302, without its `expires` parameter. */
  readonly contact: string;
  /** Seconds the registrar granted; 0 removes the binding. */
  readonly expires: number;
}

/** A live binding as the registrar reports it. */
export interface CurrentBinding {
  readonly uri: SipUri;
  readonly contact: string;
  /** Whole seconds left, at least 1 (§10.3 step 8: each Contact carries its `expires`). */
  readonly expires: number;
}

/** Which REGISTER is writing: §10.3 step 7 compares Call-ID and CSeq with each binding's. */
export interface Writer {
  readonly callId: string;
  readonly cseq: number;
}

export type UpdateOutcome =
  | { readonly kind: 'ok'; readonly bindings: readonly CurrentBinding[] }
  /** Same Call-ID as a binding and a CSeq not higher than its: a stale or reordered REGISTER. */
  | { readonly kind: 'out-of-order' }
  /** The request would leave more bindings than allowed; nothing was changed. */
  | { readonly kind: 'too-many'; readonly limit: number }
  /** The request would leave more bytes of bindings for the user than allowed; nothing was changed. */
  | { readonly kind: 'too-big'; readonly limit: number }
  /** The whole table would go over its byte budget; nothing was changed. */
  | { readonly kind: 'full' };

/** The bounds one update is checked against (`registrar.*`, `limits.memory.bindingsBytes`). */
export interface BindingLimits {
  readonly maxContacts: number;
  readonly maxBytesPerUser?: number;
  readonly maxBytes?: number;
}

/**
 * A binding as another worker must hold it (src/cluster/): strings only, and the expiry absolute on
 * the clock, so a copy expires when the original does whenever it arrives (§10.3 step 7).
 */
export interface BindingRecord {
  readonly uri: string;
  readonly contact: string;
  readonly callId: string;
  readonly cseq: number;
  readonly expiresAt: number;
}

/** What an entry costs beyond its strings: the object, its Deadline and array slot (Node 20). */
export const BINDING_OVERHEAD_BYTES = 256;

/** A copy of `s` that shares no memory with the text it was sliced from (V8 keeps that text whole). */
export function ownCopy(s: string): string {
  return detached(` ${s}`).slice(1);
}

interface Entry {
  readonly uri: SipUri;
  readonly contact: string;
  readonly callId: string;
  readonly cseq: number;
  readonly expiresAt: number;
  readonly bytes: number;
  deadline: Deadline | undefined;
}

export class BindingTable {
  private readonly byAor = new Map<string, Entry[]>();
  private count = 0;
  /** Bytes charged for every binding held (`limits.memory.bindingsBytes`). */
  bytes = 0;
  /** Always 0: the table is bounded by refusing a REGISTER (403), never by dropping a binding. */
  readonly evictions = 0;
  private readonly deadlines: Deadlines;
  /** Told of each address-of-record a REGISTER changed (update, removeAll): workers replicate it. */
  onWrite: ((aor: string) => void) | undefined;

  /** `deadlines`: where the expiries wait (the server shares one); its own on `clock` when absent. */
  constructor(clock: Clock, deadlines?: Deadlines) {
    this.deadlines = deadlines ?? new Deadlines(clock);
  }

  now(): number {
    return this.deadlines.now();
  }

  /** Bindings held, across every address-of-record. */
  get size(): number {
    return this.count;
  }

  /** The live bindings of an address-of-record, oldest first. */
  current(aor: string): CurrentBinding[] {
    const now = this.deadlines.now();
    const out: CurrentBinding[] = [];
    for (const e of this.byAor.get(aor) ?? []) {
      if (e.expiresAt > now) out.push({ uri: e.uri, contact: e.contact, expires: Math.ceil((e.expiresAt - now) / 1000) });
    }
    return out;
  }

  /**
   * §10.3 step 7, all or nothing ("The binding updates MUST be committed … if and only if all
   * binding updates and additions succeed"): each Contact adds, refreshes or (expires 0) removes
   * the binding with an equal URI; one out-of-order Contact or too many bindings changes nothing.
   */
  update(aor: string, writer: Writer, requests: readonly BindingRequest[], limits: BindingLimits | number): UpdateOutcome {
    const l = typeof limits === 'number' ? { maxContacts: limits } : limits;
    const now = this.deadlines.now();
    const before = this.live(aor, now);
    const next = [...before];
    for (const r of requests) {
      const i = next.findIndex((e) => sameUri(e.uri, r.uri));
      const existing = i === -1 ? undefined : next[i];
      // A second Contact for the same URI in one REGISTER replaces the first, rather than failing
      // against a binding that is only tentative.
      if (existing !== undefined && !before.includes(existing)) {
        next.splice(i, 1);
      } else if (existing !== undefined) {
        // "If they are the same, the registrar compares the CSeq value. If the value is higher than
        // that of the existing binding, it MUST update or remove the binding as above. If not, the
        // update MUST be aborted and the request fails."
        if (existing.callId === writer.callId && writer.cseq <= existing.cseq) return { kind: 'out-of-order' };
        next.splice(i, 1);
      }
      if (r.expires > 0) {
        next.push(entry(r, writer, now + r.expires * 1000));
      }
    }
    if (next.length > l.maxContacts && next.length > before.length) return { kind: 'too-many', limit: l.maxContacts };
    const bytesBefore = sum(before);
    const bytesAfter = sum(next);
    const growing = bytesAfter > bytesBefore;
    if (growing && l.maxBytesPerUser !== undefined && bytesAfter > l.maxBytesPerUser) return { kind: 'too-big', limit: l.maxBytesPerUser };
    if (growing && l.maxBytes !== undefined && this.bytes - sum(this.byAor.get(aor) ?? []) + bytesAfter > l.maxBytes) return { kind: 'full' };
    this.commit(aor, next);
    this.onWrite?.(aor);
    return { kind: 'ok', bindings: this.current(aor) };
  }

  /**
   * §10.3 step 6, `Contact: *` with Expires 0: "If [the Call-ID] does agree, it MUST remove the
   * binding only if the CSeq in the request is higher than the value stored for that binding.
   * Otherwise, the update MUST be aborted and the request fails."
   */
  removeAll(aor: string, writer: Writer): UpdateOutcome {
    const entries = this.live(aor, this.deadlines.now());
    if (entries.some((e) => e.callId === writer.callId && writer.cseq <= e.cseq)) return { kind: 'out-of-order' };
    this.commit(aor, []);
    this.onWrite?.(aor);
    return { kind: 'ok', bindings: [] };
  }

  /** The live bindings of `aor` as records, oldest first. */
  records(aor: string): BindingRecord[] {
    return this.live(aor, this.deadlines.now()).map((e) => ({ uri: e.uri.raw, contact: e.contact, callId: e.callId, cseq: e.cseq, expiresAt: e.expiresAt }));
  }

  /** Every address-of-record with a binding. */
  aors(): string[] {
    return [...this.byAor.keys()];
  }

  /** Make `records` the bindings of `aor`, as another worker has them (no onWrite). */
  replace(aor: string, records: readonly BindingRecord[]): void {
    const now = this.deadlines.now();
    const next: Entry[] = [];
    for (const r of records) {
      const uri = parseUri(r.uri);
      if (uri !== undefined && r.expiresAt > now) next.push(entry({ uri, contact: r.contact, expires: 0 }, r, r.expiresAt));
    }
    this.commit(aor, next);
  }

  /** Drop every binding and cancel every expiry (server shutdown). */
  close(): void {
    for (const aor of [...this.byAor.keys()]) this.commit(aor, []);
  }

  private live(aor: string, now: number): Entry[] {
    return (this.byAor.get(aor) ?? []).filter((e) => e.expiresAt > now);
  }

  /** Make `next` the bindings of `aor`: expiries of entries that leave are cancelled, new ones scheduled. */
  private commit(aor: string, next: Entry[]): void {
    const old = this.byAor.get(aor) ?? [];
    for (const e of old) {
      if (!next.includes(e)) this.disarm(e);
    }
    for (const e of next) if (e.deadline === undefined) this.arm(aor, e);
    this.count += next.length - old.length;
    this.bytes += sum(next) - sum(old);
    if (next.length === 0) this.byAor.delete(aor);
    else this.byAor.set(aor, next);
  }

  private arm(aor: string, e: Entry): void {
    e.deadline = this.deadlines.schedule(() => this.expire(aor, e), e.expiresAt - this.deadlines.now());
  }

  private disarm(e: Entry): void {
    if (e.deadline !== undefined) this.deadlines.cancel(e.deadline);
    e.deadline = undefined;
  }

  private expire(aor: string, e: Entry): void {
    const list = this.byAor.get(aor);
    if (list === undefined) return;
    const i = list.indexOf(e);
    if (i === -1) return;
    list.splice(i, 1);
    this.count--;
    this.bytes -= e.bytes;
    if (list.length === 0) this.byAor.delete(aor);
  }
}

/** A new entry, its strings copied out of the request (the table keeps them for up to an hour). */
function entry(r: BindingRequest, writer: Writer, expiresAt: number): Entry {
  const contact = ownCopy(r.contact);
  const callId = ownCopy(writer.callId);
  const uri = parseUri(ownCopy(r.uri.raw)) ?? r.uri;
  const bytes = BINDING_OVERHEAD_BYTES + contact.length + uri.raw.length + callId.length;
  return { uri, contact, callId, cseq: writer.cseq, expiresAt, bytes, deadline: undefined };
}

function sum(entries: readonly Entry[]): number {
  let n = 0;
  for (const e of entries) n += e.bytes;
  return n;
}
