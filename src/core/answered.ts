/**
 * One report per answer: the metric, and the `answered` log line (DESIGN §5: "every answer is
 * logged with the rule that produced it"). Hot path: the log record and its `src` string are built
 * only when the info level is on, since pino discards the call but not its arguments.
 */
import type { Logger } from 'pino';
import type { Flow } from '../transport/flow.js';

export interface AnswerObserver {
  answered(code: number, rule: string): void;
}

export type ReportAnswer = (method: string, callId: string | undefined, flow: Flow, code: number, rule: string, reason?: string) => void;

export function answerReporter(logger: Logger, observer: AnswerObserver): ReportAnswer {
  return (method, callId, flow, code, rule, reason) => {
    observer.answered(code, rule);
    if (!logger.isLevelEnabled('info')) return;
    const src = `${flow.remote.address}:${flow.remote.port}`;
    logger.info(
      reason === undefined ? { method, callId, src, transport: flow.transport, code, rule } : { method, callId, src, transport: flow.transport, code, reason, rule },
      'answered',
    );
  };
}
