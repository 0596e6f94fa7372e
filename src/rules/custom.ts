/**
 * The stubs rule: configured rules (`rules` in config/default.yaml) and stubs added over the admin
 * API (README, "Control plane") are one list, tried in priority order (src/stubs/); the first whose
 * `match` and scenario state fit answers with the next step of its `respond`. Each answers under its
 * own name in logs and metrics: its `name`, or its id (`rule#N` for the N-th entry of `rules`
 * counted from 0, as config error paths such as `rules.0.respond.code` name it).
 */
import { canonicalHeaderName } from '../sip/header-names.js';
import type { SipRequest } from '../sip/message.js';
import type { HeaderPair, ResponseSpec } from '../sip/response.js';
import type { StubHit } from '../stubs/stubs.js';
import { requiredHeaders } from './catalogue.js';
import type { Decision, Rule, RuleContext } from './rule.js';

export const customRule: Rule = {
  name: 'custom',
  section: 'sip4xx configured rules and stubs (docs/ARCHITECTURE.md, Configured rules)',
  check(req, ctx) {
    // An ACK is never answered (§17.2.1) and a CANCEL belongs to its INVITE (§9.2).
    if (req.method === 'ACK' || req.method === 'CANCEL') return undefined;
    const hit = ctx.services.stubs.match(req, ctx.flow, ctx.config.rules);
    return hit === undefined ? undefined : decisionOf(hit, req, ctx);
  },
};

/**
 * §12.1.1, for a response that establishes a dialog — a 2xx, or a 1xx other than 100 with our To
 * tag: "the UAS MUST copy all Record-Route header field values from the request into the response
 * … and MUST add a Contact header field to the response."
 */
function dialogHeaders(req: SipRequest, ctx: RuleContext, given: ReadonlySet<string>): HeaderPair[] {
  const headers: HeaderPair[] = [];
  if (!given.has('record-route')) for (const h of req.headers) if (h.name === 'record-route') headers.push(['Record-Route', h.value]);
  if (!given.has('contact')) headers.push(['Contact', ctx.contact(req)]);
  return headers;
}

/**
 * A response of the stub, plus the headers its code must carry (catalogue.ts) that the stub did not
 * give itself — so a stubbed 420 still lists Unsupported and a stubbed 405 still has Allow — and
 * the dialog headers of a dialog-creating response to an INVITE.
 */
function responseOf(
  r: { code: number; reason?: string | undefined; headers?: Readonly<Record<string, string>> | undefined; body?: ResponseSpec['body'] },
  req: SipRequest,
  ctx: RuleContext,
): ResponseSpec {
  const given: HeaderPair[] = Object.entries(r.headers ?? {});
  const names = new Set(given.map(([n]) => canonicalHeaderName(n)));
  const headers = [...given, ...requiredHeaders(r.code, req, ctx).filter(([n]) => !names.has(canonicalHeaderName(n)))];
  const dialogForming = req.method === 'INVITE' && r.code > 100 && r.code < 300;
  if (dialogForming) headers.push(...dialogHeaders(req, ctx, names));
  return { status: r.code, reason: r.reason, headers, body: r.body };
}

function decisionOf(hit: StubHit, req: SipRequest, ctx: RuleContext): Decision {
  const step = hit.step;
  if ('fault' in step) {
    // provisional-only rings (180, an early dialog §13.3.1.1) after its 100 Trying; the rest send
    // no provisional. `status` is what a malformed response is built from before it is broken.
    const provisional = step.fault === 'provisional-only' && req.method === 'INVITE' ? [responseOf({ code: 180 }, req, ctx)] : undefined;
    return { status: 500, fault: step.fault, provisional, rule: hit.label };
  }
  const final = responseOf(step, req, ctx);
  const invite = req.method === 'INVITE';
  return {
    ...final,
    // §8.2.6.1: a UAS "SHOULD NOT issue a provisional response for a non-INVITE request".
    provisional: invite && step.provisional !== undefined ? step.provisional.map((p) => responseOf(p, req, ctx)) : undefined,
    delayMs: step.delayMs,
    dialog: invite && step.code < 300 ? 'create' : undefined,
    rule: hit.label,
  };
}
