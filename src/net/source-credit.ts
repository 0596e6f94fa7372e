/**
 * Per-source byte credit that bounds what sip4xx reflects at an address over UDP
 * (docs/ARCHITECTURE.md, Reflection).
 *
 * Over UDP a request's source address is unverified: anyone may send an INVITE that names a victim
 * as its source, and RFC 3261 §17.2.1 then has the final response retransmitted "with an interval
 * that starts at T1 seconds and doubles for each retransmission until it reaches T2 seconds"
 * (Timer G) until Timer H — eleven copies of it for one request that is never ACKed. Timer G is a
 * reliability aid for a client whose copy was lost ("the server SHOULD pass the response to the
 * transport for retransmission"), not something every address is owed; RFC 8085 §3.1 (which
 * obsoletes RFC 5405 §3.1) asks an application that uses UDP to keep what it sends in check when
 * no feedback shows the path delivers it.
 *
 * So each source address holds a balance of bytes it may be sent. A request earns `ratio` times its
 * bytes; every response sent to the address spends its bytes. Responses the transaction user owes
 * (the first answer to a request, the answer to a retransmitted request) always go out and may
 * drive the balance below zero; timer-driven retransmissions (Timer G, the 2xx timer of §13.3.1.4)
 * go only while the balance covers them. A new address starts with `burstBytes`, enough for a client
 * that is slow to ACK; a balance never exceeds `maxCreditBytes` (nor falls below its negative), so
 * a long-quiet busy source has no large reserve to be spent by someone spoofing it.
 *
 * An address that returns one of our To tags — the ACK of a non-2xx final response, the ACK of a
 * 2xx matched to its dialog — has received what we sent it: it is `proven`, and its retransmissions
 * are no longer gated. The To tag is what a spoofer cannot see (§19.3), unlike the branch it wrote.
 *
 * The table is bounded by count and bytes; the least recently seen address goes first (a Map in
 * touch order: delete and re-insert on every use).
 */

export interface CreditPolicy {
  /** Bytes a request earns its source, per byte of the request. */
  readonly ratio: number;
  /** The balance of an address seen for the first time. */
  readonly burstBytes: number;
  /** The balance never exceeds this, nor falls below its negative. */
  readonly maxCreditBytes: number;
}

interface Entry {
  balance: number;
  proven: boolean;
  /** The table's insertion count when this entry last moved to the young end. */
  stamp: number;
}

/** An entry's cost beyond its key: the object, its Map slot, two fields (measured order, Node 20). */
export const SOURCE_ENTRY_BYTES = 96;

export class SourceCredit {
  private readonly table = new Map<string, Entry>();
  private tableBytes = 0;
  /** Insertions so far, the clock of `Entry.stamp`. */
  private inserted = 0;
  /** Addresses forgotten to stay within the bounds. */
  evictions = 0;

  constructor(
    private readonly maxSources: number,
    private readonly maxBytes: number,
    private readonly policy: () => CreditPolicy,
    /** Where suppressed retransmissions are counted (the core's statistics, for /metrics). */
    private readonly counts: { retransmissionsSuppressed?: number } = {},
  ) {}

  /** Timer-driven retransmissions not sent because their destination's balance was short. */
  get suppressed(): number {
    return this.counts.retransmissionsSuppressed ?? 0;
  }

  get size(): number {
    return this.table.size;
  }

  get bytes(): number {
    return this.tableBytes;
  }

  /** A request of `bytes` arrived from `address`. */
  received(address: string, bytes: number): void {
    const p = this.policy();
    const e = this.touch(address, p);
    e.balance = Math.min(e.balance + p.ratio * bytes, p.maxCreditBytes);
  }

  /** A response the transaction user owes went to `address`: always sent, always spent. */
  sent(address: string, bytes: number): void {
    const p = this.policy();
    const e = this.touch(address, p);
    e.balance = Math.max(e.balance - bytes, -p.maxCreditBytes);
  }

  /** May a timer-driven retransmission of `bytes` go to `address`? Spent when it may. */
  mayResend(address: string, bytes: number): boolean {
    const p = this.policy();
    const e = this.touch(address, p);
    if (e.proven) return true;
    if (e.balance < bytes) {
      this.counts.retransmissionsSuppressed = this.suppressed + 1;
      return false;
    }
    e.balance -= bytes;
    return true;
  }

  /** `address` returned a To tag of ours: it receives what we send it. */
  prove(address: string): void {
    this.touch(address, this.policy()).proven = true;
  }

  isProven(address: string): boolean {
    return this.table.get(address)?.proven === true;
  }

  /** The balance of `address` (the burst for one never seen), for tests and diagnostics. */
  balance(address: string): number {
    return this.table.get(address)?.balance ?? this.policy().burstBytes;
  }

  clear(): void {
    this.table.clear();
    this.tableBytes = 0;
  }

  private touch(address: string, p: CreditPolicy): Entry {
    const found = this.table.get(address);
    if (found !== undefined) {
      // Least recently used, approximately: an entry moves to the young end only once it has aged
      // past half the table, not on every packet (a delete and a set per request cost 2.6 % of the
      // server's CPU in the INVITE benchmark, measured).
      if (this.inserted - found.stamp >= this.maxSources / 2) {
        this.table.delete(address);
        this.table.set(address, found);
        found.stamp = ++this.inserted;
      }
      return found;
    }
    const cost = address.length + SOURCE_ENTRY_BYTES;
    while (this.table.size > 0 && (this.table.size >= this.maxSources || this.tableBytes + cost > this.maxBytes)) {
      const oldest = this.table.keys().next().value as string;
      this.table.delete(oldest);
      this.tableBytes -= oldest.length + SOURCE_ENTRY_BYTES;
      this.evictions++;
    }
    const e: Entry = { balance: Math.min(p.burstBytes, p.maxCreditBytes), proven: false, stamp: ++this.inserted };
    this.table.set(address, e);
    this.tableBytes += cost;
    return e;
  }
}
