/**
 * The UAS core above the server transactions (§8.2, §9.2, §13.3, §17.2): creates transactions,
 * absorbs retransmissions and ACKs, handles CANCEL, runs the rule pipeline, plays a decision out
 * (100 Trying, provisionals, a delayed final) and applies its effect on dialogs.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { DialogTable, type DialogMediaSink } from '../dialog/dialog-table.js';
import { sdpOfAck } from '../dialog/ack-sdp.js';
import type { ResponseBasis, SipRequest } from '../sip/message.js';
import { buildResponse, responseDestination, type ResponseSpec } from '../sip/response.js';
import { ReflectionGuard, type ReflectionCounters } from './reflection-guard.js';
import type { Flow } from '../transport/flow.js';
import type { Clock } from '../util/clock.js';
import { Deadlines } from '../util/deadlines.js';
import { limiterOf } from '../util/log-limit.js';
import { InviteServerTransaction } from '../transaction/invite-server.js';
import { NonInviteServerTransaction } from '../transaction/non-invite-server.js';
import type { TransactionEnv } from '../transaction/server-transaction.js';
import { mergeKey, transactionKey } from '../transaction/transaction-key.js';
import { CONFIRMED, HashedTransactionStore, type TransactionStore } from '../transaction/transaction-store.js';
import { runPipeline, type Verdict } from '../rules/pipeline.js';
import type { Decision, Rule, RuleContext } from '../rules/rule.js';
import { bounded } from './log-fields.js';
import type { ReportAnswer } from './answered.js';
import { malformedResponse } from '../stubs/malformed.js';

/** What a transaction keeps for the transaction user while it may still answer. */
export interface TxContext {
  readonly req: SipRequest;
  readonly basis: ResponseBasis;
  readonly flow: Flow;
  /** The To tag our responses carry ('' when the request had one already). */
  readonly toTag: string;
}

type Tx = InviteServerTransaction<TxContext> | NonInviteServerTransaction<TxContext>;

export interface TransactionUserDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  /** Where every timer of transactions and dialogs waits (one heap on the clock); its own when absent. */
  readonly deadlines?: Deadlines;
  readonly config: () => Readonly<Config>;
  readonly rules: (config: Readonly<Config>) => readonly Rule[];
  readonly context: (req: SipRequest, flow: Flow, config: Readonly<Config>, merged: boolean) => RuleContext;
  /** Our To tag for a request, from its basis and the address it came from (src/sip/to-tag.ts). */
  readonly toTag: (basis: ResponseBasis, source: string) => string;
  readonly counters: { responses: number; retransmissions: number; absorbedAcks: number } & ReflectionCounters;
  readonly report: ReportAnswer;
  /** Media sessions of dialogs, started by 2xx SDPs and stopped when dialogs end. */
  readonly media?: DialogMediaSink;
}

export class TransactionUser {
  readonly transactions: TransactionStore<Tx>;
  readonly dialogs: DialogTable;
  readonly guard: ReflectionGuard; // docs/ARCHITECTURE.md, Reflection
  private readonly deadlines: Deadlines;
  private draining = false;

  constructor(private readonly deps: TransactionUserDeps) {
    const t = deps.config().transactions;
    this.deadlines = deps.deadlines ?? new Deadlines(deps.clock);
    this.guard = new ReflectionGuard(deps.config, deps.logger, deps.clock, deps.counters);
    this.transactions = new HashedTransactionStore<Tx>(this.deadlines, t.maxTransactions, deps.config().limits.memory.transactionsBytes);
    this.dialogs = new DialogTable(t.maxDialogs, t.dialogTtlMs, this.deadlines, { ackTimeoutMs: 64 * t.t1Ms, maxBytes: deps.config().limits.memory.dialogsBytes, ...(deps.media === undefined ? {} : { media: deps.media }) });
  }

  private envFor: Readonly<Config> | undefined;
  private envValue: TransactionEnv | undefined;

  /** T1/T2/T4 of the current config and the rest transactions share: one object per config. */
  private env(config: Readonly<Config>): TransactionEnv {
    if (this.envFor !== config || this.envValue === undefined) {
      const t = config.transactions;
      this.envValue = { timers: { t1: t.t1Ms, t2: t.t2Ms, t4: t.t4Ms }, deadlines: this.deadlines, onTerminated: this.ended, credit: this.guard.credit };
      this.envFor = config;
    }
    return this.envValue;
  }

  handle(req: SipRequest, basis: ResponseBasis, flow: Flow, config: Readonly<Config>): void {
    if (req.method === 'ACK') return this.ack(req, basis, flow);
    const key = transactionKey(req);
    const existing = this.transactions.get(key);
    // §17.2.1 / §17.2.2: a retransmission goes to its transaction, never to the core again; past
    // the final response, Confirmed absorbs it and Completed resends the final response.
    if (existing !== undefined) {
      this.deps.counters.retransmissions++;
      if (existing !== CONFIRMED) existing.onRetransmission();
      return;
    }
    const merge = req.to.tag === undefined ? mergeKey(req) : undefined;
    // §8.2.2.2: a transaction already holds this From tag, Call-ID and CSeq under another key (its
    // own key found nothing above). The new one holds the merge key only when nobody else does.
    const merged = merge !== undefined && this.transactions.holdsMerge(merge);
    const tx = this.create(req, basis, flow, key, merged ? undefined : merge, config);
    if (this.draining && req.method !== 'CANCEL' && req.to.tag === undefined) {
      // §21.5.4: 503 while shutting down; Retry-After tells the client when to try elsewhere/again.
      this.play(tx, { decision: { status: 503, headers: [['Retry-After', '5']] }, rule: 'draining' });
      return;
    }
    if (req.method === 'CANCEL') {
      const inviteKey = transactionKey(req, 'INVITE');
      const invite = this.transactions.get(inviteKey);
      // An INVITE transaction past its final response (Completed, Confirmed, Accepted) still exists
      // (§9.2): the CANCEL gets 200 and changes nothing.
      if (invite === CONFIRMED || invite?.kind === 'invite') return this.cancel(tx, invite);
    }
    const ctx = this.deps.context(req, flow, config, merged);
    this.play(tx, runPipeline(this.deps.rules(config), req, ctx));
  }

  /** One function for every transaction's end: nothing per transaction is captured. */
  private readonly ended = (k: string, why: string): void => {
    this.transactions.delete(k);
    this.dialogs.inviteEnded(k); // §14.2: ended without a final response (evicted, shut down)
    // The key holds the branch, sent-by and method (transaction-key.ts).
    // One line per un-ACKed INVITE follows the sender: rate-limited, the key bounded (log-fields.ts).
    if (why.startsWith('timer H')) limiterOf(this.deps.logger).log('info', { transaction: bounded(k.replaceAll('\u0000', ' ')) }, 'no ACK before Timer H');
  };

  private create(req: SipRequest, basis: ResponseBasis, flow: Flow, key: string, merge: string | undefined, config: Readonly<Config>): Tx {
    // A transaction keeps nothing of the request past its final response but its key: the
    // request's strings are slices of the whole header text (~0.5 KB) it would keep for up to 32 s.
    const env = this.env(config);
    const reliable = flow.transport !== 'udp';
    const to = responseDestination(basis, flow.remote);
    const context: TxContext = { req, basis, flow, toTag: basis.toHasTag ? '' : this.deps.toTag(basis, flow.remote.address) };
    const tx: Tx =
      req.method === 'INVITE'
        ? new InviteServerTransaction(env, key, reliable, flow.send, to, context)
        : new NonInviteServerTransaction(env, key, reliable, flow.send, to, context);
    // The bytes the request keeps alive (its header text and body), as the parser counted them.
    this.transactions.put(tx, merge, req.retainedBytes);
    return tx;
  }

  /** Send a response on a transaction; false if its state no longer allows one. */
  private respond(tx: Tx, spec: ResponseSpec): boolean {
    const { basis, flow, toTag } = tx.context;
    const config = this.deps.config();
    const { bytes, status } = this.guard.build(basis, spec, { toTag, server: config.server.serverHeader, remote: flow.remote }, flow);
    const sent = tx.respond(bytes, status);
    // What it keeps: this response for retransmission; the request only until the final one.
    if (sent) this.transactions.charge(tx, bytes.length, status >= 200 ? 0 : tx.context.req.retainedBytes);
    if (sent) this.deps.counters.responses++;
    if (sent && status >= 200 && tx.kind === 'invite') this.dialogs.inviteEnded(tx.key); // §14.2
    return sent;
  }

  /** Play a verdict out: 100 Trying and provisionals first, the final now or after its delay. */
  private play(tx: Tx, verdict: Verdict): void {
    const d = verdict.decision;
    if (d.fault !== undefined) return this.fault(tx, d, verdict.rule);
    const invite = tx.kind === 'invite';
    const delay = d.delayMs ?? 0;
    // §17.2.1: "the server transaction MUST generate a 100 (Trying) response unless it knows that
    // the TU will generate a provisional or final response within 200 ms".
    if (invite && delay > 0 && (d.provisional === undefined || d.provisional.length === 0)) this.respond(tx, { status: 100 });
    if (invite) for (const p of d.provisional ?? []) this.respond(tx, p);
    // §14.2: a re-INVITE whose final response waits marks its dialog until that response goes out.
    const { req } = tx.context;
    if (delay > 0 && invite && req.to.tag !== undefined) this.dialogs.inviteStarted(tx.key, req.callId, req.to.tag, req.from.tag ?? '');
    if (delay > 0) tx.scheduleTu(() => this.final(tx, d, verdict.rule), delay);
    else this.final(tx, d, verdict.rule);
  }

  private final(tx: Tx, d: Decision, rule: string): void {
    if (!this.respond(tx, d)) return;
    const { req, flow } = tx.context;
    this.deps.report(req, flow, d.status, rule);
    this.applyDialogEffect(tx, d);
    tx.releaseContext();
  }

  /**
   * A stub's fault (src/stubs/), within the RFC timers. A transaction that sends no final response
   * ends after 64·T1 — the longest any server transaction waits for its peer (Timer H, §17.2.1;
   * Timer L, RFC 6026 §7.1) and the time a non-INVITE client waits (Timer F, §17.1.2.2); until
   * then it absorbs retransmissions (resending its last provisional, if any). A CANCEL still gets
   * 200 and the INVITE 487 (§9.2). Reported with code 0: no final response was sent.
   */
  private fault(tx: Tx, d: Decision, rule: string): void {
    const { req, flow } = tx.context;
    const t1 = this.deps.config().transactions.t1Ms;
    if (d.fault === 'malformed') return this.malformed(tx, d, rule);
    if (d.fault === 'close' && flow.transport !== 'udp') {
      // The connection goes without a response; the client's transaction learns it from its
      // transport (§18.4) and the server transaction has nothing left to do.
      flow.close();
      this.deps.report(req, flow, 0, rule, 'fault close');
      tx.terminate('fault close');
      return;
    }
    if (d.fault === 'provisional-only') {
      this.respond(tx, { status: 100 });
      if (tx.kind === 'invite') for (const p of d.provisional ?? []) this.respond(tx, p);
    }
    this.deps.report(req, flow, 0, rule, `fault ${d.fault}`);
    tx.scheduleTu(() => tx.terminate(`fault ${d.fault}: no final response after 64·T1`), 64 * t1);
  }

  /** A final response the client must discard (src/stubs/malformed.ts), retransmitted as any (Timer G, H). */
  private malformed(tx: Tx, d: Decision, rule: string): void {
    const { basis, flow, toTag, req } = tx.context;
    const good = buildResponse(basis, d, { toTag, server: this.deps.config().server.serverHeader, remote: flow.remote });
    if (!tx.respond(malformedResponse(good, flow.transport), d.status)) return;
    this.deps.counters.responses++;
    if (tx.kind === 'invite') this.dialogs.inviteEnded(tx.key); // §14.2
    this.deps.report(req, flow, d.status, rule, 'fault malformed');
    tx.releaseContext();
  }

  private applyDialogEffect(tx: Tx, d: Decision): void {
    const { req, toTag } = tx.context;
    const remoteTag = req.from.tag ?? '';
    const onAck = tx.kind === 'invite' ? () => tx.onAck2xx() : undefined;
    if (d.dialog === 'create' && d.status >= 200 && d.status < 300 && tx.kind === 'invite') {
      this.dialogs.create(req.callId, toTag, remoteTag, req.cseq.seq, onAck as () => void, d.media);
      return;
    }
    const localTag = req.to.tag;
    if (localTag === undefined) return;
    if (d.dialog === 'end') {
      this.dialogs.end(req.callId, localTag, remoteTag);
    } else if (d.status !== 500 && this.dialogs.has(req.callId, localTag, remoteTag)) {
      // §12.2.2: an in-order request moves the remote sequence number forward; a re-INVITE's 2xx
      // again waits for its ACK.
      const reinvite2xx = req.method === 'INVITE' && d.status >= 200 && d.status < 300;
      this.dialogs.update(req.callId, localTag, remoteTag, {
        remoteCSeq: req.cseq.seq,
        ...(reinvite2xx ? { awaitingAck: true, onAck } : {}),
      }, d.status >= 200 && d.status < 300 ? d.media : undefined);
    }
  }

  /**
   * §9.2: the CANCEL matched an INVITE transaction. "the UAS answers the CANCEL request itself
   * with a 200 (OK)"; if no final response was sent "the UAS SHOULD immediately respond to the
   * INVITE with a 487 (Request Terminated)"; otherwise the CANCEL changes nothing.
   */
  private cancel(tx: Tx, invite: InviteServerTransaction<TxContext> | typeof CONFIRMED): void {
    this.respond(tx, { status: 200 });
    const { req, flow } = tx.context;
    this.deps.report(req, flow, 200, 'cancel');
    if (invite !== CONFIRMED && !invite.finalSent) {
      this.respond(invite, { status: 487 });
      this.deps.report(invite.context.req, invite.context.flow, 487, 'cancel');
      invite.releaseContext();
    }
    tx.releaseContext();
  }

  /**
   * ACK is never answered. An ACK for a non-2xx response matches its INVITE transaction (§17.2.3)
   * and is absorbed there; an ACK for a 2xx is a new transaction that belongs to the dialog
   * (§13.3.1.4, §17.1.1.3) and ends the 2xx retransmissions.
   */
  private ack(req: SipRequest, basis: ResponseBasis, flow: Flow): void {
    const key = transactionKey(req);
    const tx = this.transactions.get(key);
    this.deps.counters.absorbedAcks++;
    if (tx === CONFIRMED || tx?.kind === 'invite') {
      // The ACK of a non-2xx copies our To tag (§17.1.1.3): its source received our response.
      if (req.to.tag !== undefined && this.guard.unproven(flow) && req.to.tag === this.deps.toTag(basis, flow.remote.address)) this.guard.prove(flow);
      // Completed → Confirmed, kept by the store until Timer I, where (§17.2.1) it will "absorb any additional ACK messages".
      if (tx === CONFIRMED) return;
      tx.onAck();
      if (tx.state === 'confirmed') this.transactions.confirm(tx, this.deps.config().transactions.t4Ms);
      return;
    }
    if (req.to.tag !== undefined && this.dialogs.ack(req.callId, req.to.tag, req.from.tag ?? '', sdpOfAck(req))) return this.guard.prove(flow);
    if (this.deps.logger.isLevelEnabled('debug')) {
      this.deps.logger.debug({ callId: bounded(req.callId), src: `${flow.remote.address}:${flow.remote.port}` }, 'ACK matched nothing; dropped');
    }
  }

  startDraining(): void {
    this.draining = true;
  }

  abortPending(): void {
    for (const tx of [...this.transactions.values()]) {
      if (!tx.finalSent) this.final(tx, { status: 503, headers: [['Retry-After', '5']] }, 'draining');
    }
  }

  close(): void {
    this.transactions.clear();
    this.dialogs.clear();
    if (this.deps.deadlines === undefined) this.deadlines.clear();
  }
}

