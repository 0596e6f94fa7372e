/**
 * Where the journal meets the core: a Flow whose send records each response before it leaves, as
 * the debug trace (src/core/trace.ts) logs it, so transaction code is untouched. Transactions keep
 * the flow's send, so Timer G resends and resends for retransmitted requests land on the entry of
 * the request they answer.
 */
import type { ResponseBasis, SipRequest } from '../sip/message.js';
import type { Flow } from '../transport/flow.js';
import type { ReportAnswer } from '../core/answered.js';
import type { Journal, RequestFields } from './journal.js';

export class JournaledFlow implements Flow {
  readonly transport: Flow['transport'];
  readonly remote: Flow['remote'];
  readonly local: Flow['local'];
  readonly send: Flow['send'];

  /**
   * The entry's id, never a view of it: a transaction keeps its send for seconds after its final
   * response (Timer I, J), and holds nothing of the journal through it. 0: the journal did not
   * hold the request, and its responses are not recorded.
   */
  constructor(
    private readonly flow: Flow,
    readonly journal: Journal,
    readonly entryId: number,
  ) {
    this.transport = flow.transport;
    this.remote = flow.remote;
    this.local = flow.local;
    const send = flow.send;
    // Called detached from the flow (Flow.send): the closure, not `this`, holds what it needs.
    this.send = (out, to) => {
      send(out, to);
      journal.response(entryId, out);
    };
  }

  close(): void {
    this.flow.close();
  }
}

/** Writable RequestFields for the two functions below to fill, one per core. */
export type ScratchFields = { -readonly [K in keyof RequestFields]: RequestFields[K] };

export function newRequestFields(): ScratchFields {
  return { transport: 'udp', address: '', port: 0, method: '', callId: undefined, refused: false };
}

/** `into`, filled with what the journal keeps of a parsed request; the rest it reads again from the bytes. */
export function requestFields(into: ScratchFields, req: SipRequest, flow: Flow): RequestFields {
  return fill(into, flow, req.method, req.callId, false);
}

/** `into`, filled with what the journal keeps of a request the parser refused (answered statelessly, rule "parser"). */
export function refusedFields(into: ScratchFields, basis: ResponseBasis, flow: Flow): RequestFields {
  return fill(into, flow, basis.method, basis.callId, true);
}

function fill(into: ScratchFields, flow: Flow, method: string, callId: string | undefined, refused: boolean): RequestFields {
  into.transport = flow.transport;
  into.address = flow.remote.address;
  into.port = flow.remote.port;
  into.method = method;
  into.callId = callId;
  into.refused = refused;
  return into;
}

/** The core's answer reporter, also noting on the journal entry the rule that answered. */
export function journalingReporter(report: ReportAnswer, journal: Journal): ReportAnswer {
  return (to, flow, code, rule, reason) => {
    report(to, flow, code, rule, reason);
    if (flow instanceof JournaledFlow) journal.answered(flow.entryId, rule);
  };
}
