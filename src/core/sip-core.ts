/**
 * The protocol core: bytes and a Flow in, responses sent through the Flow out. No sockets, no
 * global clocks, no config files: all of that is passed in (docs/ARCHITECTURE.md, Data flow),
 * which is what lets the tests drive it with fake flows and fake time.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { getHeader, type ResponseBasis, type SipRequest } from '../sip/message.js';
import { parseMessage } from '../sip/parse.js';
import { buildResponse, responseDestination } from '../sip/response.js';
import { makeTagger, type Tagger } from '../sip/to-tag.js';
import { isByteStream, type Flow } from '../transport/flow.js';
import { buildPipeline } from '../rules/pipeline.js';
import type { Rule, RuleContext } from '../rules/rule.js';
import { systemClock, type Clock } from '../util/clock.js';
import { Deadlines } from '../util/deadlines.js';
import { TransactionUser } from './transaction-user.js';
import { contactFor } from './contact.js';
import { closeServices, createServices, type Services, type SharedServices } from './services.js';
import { answerReporter } from './answered.js';
import { tracedFlow } from './trace.js';
import type { Journal } from '../journal/journal.js';
import { JournaledFlow, journalingReporter, newRequestFields, refusedFields, requestFields } from '../journal/journal-flow.js';

/** What the core reports as it works (metrics); every method must be cheap and never throw. */
export interface CoreObserver {
  request(method: string, transport: string): void;
  answered(code: number, rule: string): void;
  parseError(code: number): void;
  dropped(): void;
}

const NO_OBSERVER: CoreObserver = { request() {}, answered() {}, parseError() {}, dropped() {} };

export interface CoreDeps {
  /** The current configuration; read on every message so a reload takes effect at once. */
  readonly config: () => Readonly<Config>;
  readonly logger: Logger;
  readonly identities: () => ReadonlySet<string>;
  /**
   * Override of the on-demand challenge (`sip:401@host`). By default its nonces come from
   * services.auth, so credentials answering it are verified like those answering the auth rule.
   */
  readonly challenge?: ((realm: string) => readonly string[]) | undefined;
  readonly clock?: Clock;
  /**
   * Secret key of the To tags (src/sip/to-tag.ts), at least 16 bytes; random at start by default.
   * Processes answering for one server pass the same key; tests pass a fixed one.
   */
  readonly tagKey?: Uint8Array;
  readonly observer?: CoreObserver;
  /** Records requests and their responses (src/journal/) while `journal.enabled`. */
  readonly journal?: Journal | undefined;
  /** State shared with other workers, and the gate of their replication (src/cluster/). */
  readonly shared?: SharedServices | undefined;
}

export interface CoreStats {
  requests: number;
  responses: number;
  dropped: number;
  parseErrors: number;
  retransmissions: number;
  absorbedAcks: number;
  /** Timer G / 2xx retransmissions a UDP source had no credit for, and responses too large for UDP (docs/ARCHITECTURE.md, Reflection). */
  retransmissionsSuppressed?: number;
  responsesTooLarge?: number;
}

/** Entries each bounded table ended early to stay within its bound, since start (metrics). */
export interface TableEvictions {
  readonly transactions: number;
  readonly dialogs: number;
  readonly nonces: number;
  readonly bindings: number;
}

/** Failed credentials and the requests backed off for them (src/auth/failure-throttle.ts). */
export interface AuthCounts {
  readonly failures: number;
  readonly throttled: number;
}

/** Bytes each byte-bounded table holds now (`limits.memory.*`, `events.maxBytes`), for /metrics. */
export interface TableBytes {
  readonly transactions: number;
  readonly dialogs: number;
  readonly bindings: number;
  readonly subscriptions: number;
  readonly publications: number;
}

export interface SipCore {
  handle(data: Buffer, flow: Flow): void;
  readonly stats: Readonly<CoreStats>;
  /** The stateful services (core/services.ts): the admin API's stubs and registrar reset reach them here. */
  readonly services: Services;
  /** Live server transactions and dialogs (bounded tables), and what each bounded table evicted. */
  readonly tables: { transactions(): number; dialogs(): number; pendingFinals(): number; evictions(): TableEvictions; auth(): AuthCounts; bytes(): TableBytes };
  /**
   * Stop taking new requests (each gets 503 with Retry-After, §21.5.4) while live transactions go
   * on: retransmissions, ACKs and CANCELs are still served.
   */
  startDraining(): void;
  /** Answer every transaction still owed a final response with 503 (end of a drain). */
  abortPending(): void;
  close(): void;
}

/**
 * To tags (§8.2.6.2) derived from the source address, Call-ID, From, top branch and the CSeq
 * *number*: a retransmission gets the same tag, and so does the CANCEL of an INVITE, as §9.2 asks
 * ("The To tag of the response to the CANCEL and the response to the original request SHOULD be
 * the same"); an ACK from another address than the request's does not carry its tag.
 */
function toTagOf(tag: Tagger, basis: ResponseBasis, source: string): string {
  const cseq = basis.cseq ?? '';
  const sp = cseq.indexOf(' ');
  return tag(source, basis.callId ?? '', basis.from ?? '', basis.topVia?.branch ?? '', sp === -1 ? cseq : cseq.slice(0, sp));
}

export function createCore(deps: CoreDeps): SipCore {
  const tag = makeTagger(deps.tagKey);
  const clock = deps.clock ?? systemClock;
  // Every timer of transactions, dialogs and bindings waits here, on one Clock timer.
  const deadlines = new Deadlines(clock);
  const observer = deps.observer ?? NO_OBSERVER;
  const stats: CoreStats = { requests: 0, responses: 0, dropped: 0, parseErrors: 0, retransmissions: 0, absorbedAcks: 0, retransmissionsSuppressed: 0, responsesTooLarge: 0 };
  let pipelineFor: Readonly<Config> | undefined;
  let pipeline: readonly Rule[] = [];

  function rules(config: Readonly<Config>): readonly Rule[] {
    if (pipelineFor !== config) {
      pipeline = buildPipeline(config.pipeline);
      pipelineFor = config;
    }
    return pipeline;
  }

  // A request's To tag from its parsed header fields: the same values the basis holds, so a
  // subscription's NOTIFY carries the tag of the 200 that accepted it (RFC 6665 §4.2.1.1).
  const requestToTag = (req: SipRequest, source: string): string => {
    const cseq = getHeader(req.headers, 'cseq') ?? '';
    const sp = cseq.indexOf(' ');
    return tag(source, req.callId, getHeader(req.headers, 'from') ?? '', req.via[0]?.branch ?? '', sp === -1 ? cseq : cseq.slice(0, sp));
  };
  const services = createServices({ clock, deadlines, config: deps.config, logger: deps.logger, toTag: requestToTag, shared: deps.shared });
  const gate = deps.shared?.gate;
  const journal = deps.journal;
  const answer = answerReporter(deps.logger, observer);
  const report = journal === undefined ? answer : journalingReporter(answer, journal);
  // What the journal is told of each request, filled in place: it reads them while recording and keeps none.
  const fields = newRequestFields();
  // One function for every request's context (a closure per request was garbage on the hot path).
  const challenge = deps.challenge ?? ((realm: string) => services.auth.challenges(realm));
  const tu: TransactionUser = new TransactionUser({
    logger: deps.logger,
    clock,
    deadlines,
    config: deps.config,
    rules,
    toTag: (basis, source) => toTagOf(tag, basis, source),
    counters: stats,
    report,
    media: services.media,
    context: (_req, flow, config, merged): RuleContext => ({
      config,
      flow,
      identities: deps.identities(),
      dialogs: tu.dialogs,
      merged,
      contact: (r) => contactFor(r, flow, config),
      services,
      challenge,
    }),
  });

  function handle(data: Buffer, received: Flow): void {
    const flow = deps.logger.isLevelEnabled('debug') ? tracedFlow(received, deps.logger, data) : received;
    const config = deps.config();
    // TCP and TLS: Content-Length frames the stream (§18.3); a WebSocket message is one message.
    const stream = isByteStream(flow.transport);
    const outcome = parseMessage(data, config.limits, stream);
    if (outcome.kind === 'drop') {
      // §17.1.3: a response to one of our NOTIFYs goes to its client transaction (src/events/).
      if (outcome.why === 'response received' && services.events.onResponse(data)) return;
      stats.dropped++;
      observer.dropped();
      if (deps.logger.isLevelEnabled('debug')) {
        deps.logger.debug({ src: `${flow.remote.address}:${flow.remote.port}`, transport: flow.transport, why: outcome.why }, 'dropped');
      }
      return;
    }
    stats.requests++;
    tu.guard.received(flow, data.length); // a UDP source's credit (docs/ARCHITECTURE.md, Reflection)
    if (outcome.kind === 'request') {
      observer.request(outcome.request.method, flow.transport);
      // Workers: responses wait for what the rules changed to be replicated (response-gate.ts).
      const answer = gate === undefined || outcome.request.method === 'ACK' ? flow : gate.enter(flow);
      if (journal === undefined || !journal.enabled) {
        tu.handle(outcome.request, outcome.basis, answer, config);
        return;
      }
      // Responses leave through the entry's flow; a retransmission is one the TU absorbed (§17.2).
      // An ACK is never answered (§17), so its flow is not wrapped.
      const id = journal.record(requestFields(fields, outcome.request, flow), data);
      const retransmissions = stats.retransmissions;
      const ack = outcome.request.method === 'ACK';
      tu.handle(outcome.request, outcome.basis, ack ? answer : new JournaledFlow(answer, journal, id), config);
      if (stats.retransmissions !== retransmissions) journal.markRetransmission(id);
      else if (ack) journal.absorbed(id);
      journal.publish(id);
      return;
    }
    // A request too broken to key a transaction is answered statelessly: its To tag is derived
    // from its own bytes, so a retransmission still gets identical bytes back.
    stats.parseErrors++;
    const { basis, status, reason } = outcome;
    observer.parseError(status);
    const id = journal?.enabled === true ? journal.record(refusedFields(fields, basis, flow), data) : 0;
    refuse(basis, status, reason, data, id === 0 || journal === undefined ? flow : new JournaledFlow(flow, journal, id), stream, config);
    if (id !== 0) journal?.publish(id);
  }

  function refuse(basis: ResponseBasis, status: number, reason: string, data: Buffer, flow: Flow, stream: boolean, config: Readonly<Config>): void {
    // §17: an ACK is never answered, however broken.
    if (basis.method === 'ACK') {
      deps.logger.debug({ src: `${flow.remote.address}:${flow.remote.port}`, transport: flow.transport, why: reason }, 'malformed ACK dropped');
      return;
    }
    const toTag = basis.toHasTag ? '' : toTagOf(tag, basis, flow.remote.address);
    // §21.4.11 413: "If the condition is temporary, the server SHOULD include a Retry-After header
    // field to indicate that it is temporary and after what time the client MAY try again."
    const retry = config.limits.tooLargeRetryAfter;
    const headers = status === 413 && retry > 0 ? [['Retry-After', String(retry)] as const] : undefined;
    const bytes = buildResponse(basis, { status, reason, headers }, { toTag, server: config.server.serverHeader, remote: flow.remote });
    flow.send(bytes, responseDestination(basis, flow.remote));
    stats.responses++;
    report({ basis, data }, flow, status, 'parser', reason);
    // A body over the limit on a stream leaves the framing unusable: close after the 413.
    if (status === 413 && stream) flow.close();
  }

  return {
    handle(data, flow) {
      try {
        handle(data, flow);
        gate?.leave();
      } catch (err) {
        gate?.leave();
        // Bad input never hurts us: a bug costs one request, not the process.
        deps.logger.error({ err, src: `${flow.remote.address}:${flow.remote.port}` }, 'internal error handling message');
      }
    },
    stats,
    services,
    tables: {
      transactions: () => tu.transactions.size,
      dialogs: () => tu.dialogs.size,
      pendingFinals: () => {
        let n = 0;
        for (const tx of tu.transactions.values()) if (!tx.finalSent) n++;
        return n;
      },
      evictions: () => ({
        transactions: tu.transactions.evictions,
        dialogs: tu.dialogs.evictions,
        nonces: services.auth.nonceEvictions,
        bindings: services.registrar.evictions,
      }),
      auth: () => ({ failures: services.auth.throttle.failures, throttled: services.auth.throttle.throttled }),
      bytes: () => ({
        transactions: tu.transactions.bytes,
        dialogs: tu.dialogs.bytes,
        bindings: services.registrar.bytes,
        subscriptions: services.events.subscriptions.heldBytes,
        publications: services.events.publications.heldBytes,
      }),
    },
    startDraining: () => tu.startDraining(),
    abortPending: () => tu.abortPending(),
    close: () => {
      tu.close();
      closeServices(services);
      deadlines.clear();
    },
  };
}
