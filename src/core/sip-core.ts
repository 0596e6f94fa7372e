/**
 * The protocol core: bytes and a Flow in, a response sent through the Flow out. No sockets, no
 * clocks, no config files: all of that is passed in (DESIGN §1), which is what lets the tests drive
 * it with fake flows.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { ResponseBasis } from '../sip/message.js';
import { parseMessage } from '../sip/parse.js';
import { buildResponse, responseDestination, type ResponseSpec } from '../sip/response.js';
import { makeTagger } from '../sip/to-tag.js';
import type { Flow } from '../transport/flow.js';
import { buildPipeline, runPipeline } from '../rules/pipeline.js';
import type { DialogView, Rule, RuleContext } from '../rules/rule.js';

export interface CoreDeps {
  /** The current configuration; read on every message so a reload takes effect at once. */
  readonly config: () => Readonly<Config>;
  readonly logger: Logger;
  readonly identities: ReadonlySet<string>;
  readonly dialogs: DialogView;
  readonly challenge: (realm: string) => readonly string[];
  /** Salt for To tags; random by default (tests fix it). */
  readonly tagSalt?: number;
}

export interface CoreStats {
  requests: number;
  responses: number;
  dropped: number;
  parseErrors: number;
}

export interface SipCore {
  handle(data: Buffer, flow: Flow): void;
  readonly stats: Readonly<CoreStats>;
}

export const NO_DIALOGS: DialogView = { has: () => false };

export function createCore(deps: CoreDeps): SipCore {
  const tag = makeTagger(deps.tagSalt);
  const stats: CoreStats = { requests: 0, responses: 0, dropped: 0, parseErrors: 0 };
  let pipelineFor: Readonly<Config> | undefined;
  let pipeline: readonly Rule[] = [];

  function rules(config: Readonly<Config>): readonly Rule[] {
    if (pipelineFor !== config) {
      pipeline = buildPipeline(config.pipeline);
      pipelineFor = config;
    }
    return pipeline;
  }

  function send(basis: ResponseBasis, spec: ResponseSpec, flow: Flow, config: Readonly<Config>): void {
    const toTag = basis.toHasTag ? '' : tag(`${basis.callId ?? ''}|${basis.from ?? ''}|${basis.topVia?.branch ?? ''}|${basis.cseq ?? ''}`);
    const bytes = buildResponse(basis, spec, { toTag, server: config.server.serverHeader, remote: flow.remote });
    flow.send(bytes, responseDestination(basis, flow.remote));
    stats.responses++;
  }

  function handle(data: Buffer, flow: Flow): void {
    const config = deps.config();
    const stream = flow.transport !== 'udp';
    const outcome = parseMessage(data, config.limits, stream);
    const src = `${flow.remote.address}:${flow.remote.port}`;
    if (outcome.kind === 'drop') {
      stats.dropped++;
      deps.logger.debug({ src, transport: flow.transport, why: outcome.why }, 'dropped');
      return;
    }
    stats.requests++;
    if (outcome.kind === 'reject') {
      stats.parseErrors++;
      const { basis, status, reason } = outcome;
      // §17.2.1 / §17: an ACK is never answered, however broken.
      if (basis.method === 'ACK') {
        deps.logger.debug({ src, transport: flow.transport, why: reason }, 'malformed ACK dropped');
        return;
      }
      send(basis, { status, reason }, flow, config);
      deps.logger.info(
        { method: basis.method, callId: basis.callId, src, transport: flow.transport, code: status, reason, rule: 'parser' },
        'answered',
      );
      // A body over the limit on a stream leaves the framing unusable: close after the 413.
      if (status === 413 && stream) flow.close();
      return;
    }
    const req = outcome.request;
    if (req.method === 'ACK') {
      // §17.2.1: ACK for a non-2xx final response is absorbed; ACK for a 2xx ends at the UAS core.
      deps.logger.debug({ src, callId: req.callId }, 'ACK absorbed');
      return;
    }
    const ctx: RuleContext = { config, flow, identities: deps.identities, dialogs: deps.dialogs, challenge: deps.challenge };
    const { decision, rule } = runPipeline(rules(config), req, ctx);
    send(outcome.basis, decision, flow, config);
    deps.logger.info(
      { method: req.method, callId: req.callId, src, transport: flow.transport, code: decision.status, rule },
      'answered',
    );
  }

  return {
    handle(data, flow) {
      try {
        handle(data, flow);
      } catch (err) {
        // Bad input never hurts us: a bug in a rule costs one request, not the process.
        deps.logger.error({ err, src: `${flow.remote.address}:${flow.remote.port}` }, 'internal error handling message');
      }
    },
    stats,
  };
}
