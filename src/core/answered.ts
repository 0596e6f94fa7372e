/**
 * One report per answer: the metric, and the `answered` log line naming the request (method,
 * Call-ID, Request-URI, From and To users, source) and the rule that chose the answer — README,
 * "The 4xx catalogue". Every field copied from the request is bounded (log-fields.ts).
 * Hot path: the log record is built only when the info level is on, since pino discards the call
 * but not its arguments.
 */
import type { Logger } from 'pino';
import type { ResponseBasis, SipRequest } from '../sip/message.js';
import { parseNameAddr } from '../sip/parse-name-addr.js';
import type { Flow } from '../transport/flow.js';
import { bounded, requestUriOf } from './log-fields.js';

export interface AnswerObserver {
  answered(code: number, rule: string): void;
}

/** What an answer was to: a parsed request, or what the parser kept of one it refused. */
export type Answered = SipRequest | { readonly basis: ResponseBasis; readonly data: Buffer };

export type ReportAnswer = (to: Answered, flow: Flow, code: number, rule: string, reason?: string) => void;

interface AnsweredFields {
  method: string;
  callId: string | undefined;
  ruri: string | undefined;
  fromUser: string | undefined;
  toUser: string | undefined;
}

function userOf(nameAddr: string | undefined): string | undefined {
  if (nameAddr === undefined) return undefined;
  const user = parseNameAddr(nameAddr)?.uri.user;
  return user === undefined ? undefined : bounded(user);
}

function fieldsOf(to: Answered): AnsweredFields {
  if ('basis' in to) {
    const { basis, data } = to;
    return {
      method: bounded(basis.method),
      callId: basis.callId === undefined ? undefined : bounded(basis.callId),
      ruri: requestUriOf(data),
      fromUser: userOf(basis.from),
      toUser: userOf(basis.to),
    };
  }
  const fromUser = to.from.uri.user;
  const toUser = to.to.uri.user;
  return {
    method: bounded(to.method),
    callId: bounded(to.callId),
    ruri: bounded(to.uri.raw),
    fromUser: fromUser === undefined ? undefined : bounded(fromUser),
    toUser: toUser === undefined ? undefined : bounded(toUser),
  };
}

export function answerReporter(logger: Logger, observer: AnswerObserver): ReportAnswer {
  return (to, flow, code, rule, reason) => {
    observer.answered(code, rule);
    if (!logger.isLevelEnabled('info')) return;
    const { method, callId, ruri, fromUser, toUser } = fieldsOf(to);
    const src = `${flow.remote.address}:${flow.remote.port}`;
    const transport = flow.transport;
    logger.info(
      reason === undefined
        ? { method, callId, ruri, fromUser, toUser, src, transport, code, rule }
        : { method, callId, ruri, fromUser, toUser, src, transport, code, reason: bounded(reason), rule },
      'answered',
    );
  };
}
