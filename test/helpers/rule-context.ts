/** Parsed requests and rule contexts for unit tests of rules and the pipeline. */
import { parseMessage } from '../../src/sip/parse.js';
import type { ResponseBasis, SipRequest } from '../../src/sip/message.js';
import type { RuleContext } from '../../src/rules/rule.js';
import { buildRequest, type RequestSpec } from './sip-request.js';
import { testConfig, type ConfigOverrides } from './config.js';
import { fakeFlow, type FakeFlowOptions } from './fake-flow.js';
import { Stubs } from '../../src/stubs/stubs.js';

/** Parse a request the test expects to be valid; throws with the parser's reason otherwise. */
export function parseRequest(spec: RequestSpec | Buffer = {}, stream = false): { request: SipRequest; basis: ResponseBasis } {
  const data = Buffer.isBuffer(spec) ? spec : buildRequest(spec);
  const outcome = parseMessage(data, { maxRequestUriBytes: 4096, maxBodyBytes: 65536 }, stream);
  if (outcome.kind !== 'request') {
    throw new Error(`test request did not parse: ${outcome.kind === 'reject' ? `${outcome.status} ${outcome.reason}` : outcome.why}`);
  }
  return { request: outcome.request, basis: outcome.basis };
}

export function requestOf(spec: RequestSpec = {}): SipRequest {
  return parseRequest(spec).request;
}

export interface ContextOptions {
  readonly config?: ConfigOverrides;
  readonly flow?: FakeFlowOptions;
  readonly identities?: readonly string[];
  /** Dialog lookups; by default there are no dialogs. */
  readonly dialogs?: Partial<RuleContext['dialogs']>;
  readonly challenge?: (realm: string) => readonly string[];
  /** Other context fields (transactions, contact…) to override. */
  readonly extra?: Record<string, unknown>;
}

/** A fixed, recognisable challenge, so rule tests can see the realm they asked for. */
export const FAKE_CHALLENGE = (realm: string): readonly string[] => [`Digest realm="${realm}", nonce="n", algorithm=SHA-256`];

/**
 * A rule context with no dialogs, no live transactions and a fixed Contact. Built loosely typed so
 * it keeps working while the context grows fields (transaction layer, dialogs) — a rule reading a
 * field not set here sees a harmless default rather than a type error in every test.
 */
export function ruleContext(opts: ContextOptions = {}): RuleContext {
  const ctx = {
    config: testConfig(opts.config),
    flow: fakeFlow(opts.flow),
    identities: new Set(opts.identities ?? ['127.0.0.1']),
    dialogs: { has: () => false, get: () => undefined, ...opts.dialogs },
    merged: false,
    contact: () => '<sip:127.0.0.1:5060>',
    challenge: opts.challenge ?? FAKE_CHALLENGE,
    ...opts.extra,
    // The custom rule's stubs (configured rules) are in every context; other services as given.
    services: { stubs: new Stubs(), ...(opts.extra?.services as object | undefined) },
  };
  return ctx as unknown as RuleContext;
}
