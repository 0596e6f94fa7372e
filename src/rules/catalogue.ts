/**
 * The headers each failure code must (or by its definition should) carry (RFC 3261 §21.4). Used by every
 * rule that answers with such a code, so `sip:420@host` and a real 420 look the same on the wire.
 */
import type { SipRequest } from '../sip/message.js';
import type { HeaderPair } from '../sip/response.js';
import type { RuleContext } from './rule.js';
import { contactFromTemplate } from '../core/contact.js';

function retryAfter(ctx: RuleContext): HeaderPair {
  return ['Retry-After', String(ctx.config.catalogue.retryAfter)];
}

export function realmFor(req: SipRequest, ctx: RuleContext): string {
  return ctx.config.auth.realm !== '' ? ctx.config.auth.realm : req.uri.host.replace(/^\[|\]$/g, '') || 'sip4xx';
}

export function requiredHeaders(code: number, req: SipRequest, ctx: RuleContext): HeaderPair[] {
  const cat = ctx.config.catalogue;
  const sip = ctx.config.sip;
  switch (code) {
    case 401: // §21.4.2, §22.1: a 401 without WWW-Authenticate leaves the client nothing to answer.
      return ctx.challenge(realmFor(req, ctx)).map((v) => ['WWW-Authenticate', v] as const);
    case 407: // §21.4.8
      return ctx.challenge(realmFor(req, ctx)).map((v) => ['Proxy-Authenticate', v] as const);
    case 405: // §21.4.6: "The response MUST include an Allow header field"
      return [['Allow', sip.allow.join(', ')]];
    case 413: {
      // §21.4.11: "If the condition is temporary, the server SHOULD include a Retry-After header"
      const temporary = ctx.config.limits.tooLargeRetryAfter;
      return [['Retry-After', String(temporary > 0 ? temporary : cat.retryAfter)]];
    }
    case 415: // §21.4.13: "The server MUST return a list of acceptable formats using the Accept…"
      return [
        ['Accept', sip.accept.join(', ')],
        ['Accept-Encoding', sip.acceptEncodings.join(', ')],
        ['Accept-Language', sip.acceptLanguages.join(', ')],
      ];
    case 420: {
      // §8.2.2.3: Unsupported lists the tags not understood — never one we support (a request
      // asking sip:420@host with `Require: timer` reaches here because timer IS supported), and
      // each tag once, as the require rule does.
      const tags: string[] = [];
      for (const t of [...req.require, ...req.proxyRequire]) {
        if (!sip.supported.includes(t) && !tags.includes(t)) tags.push(t);
      }
      return [['Unsupported', (tags.length > 0 ? tags : cat.unsupported).join(', ')]];
    }
    case 421: // §21.4.16: "the extension … MUST be listed in a Require header field"
      return [['Require', (sip.required.length > 0 ? sip.required : cat.require).join(', ')]];
    case 422: // RFC 4028 §6: "The 422 response MUST contain a Min-SE header field"
      return [['Min-SE', String(sip.minSE)]];
    case 423: // §10.3 step 7: Min-Expires
      return [['Min-Expires', String(ctx.config.registrar.minExpires)]];
    case 480: // §21.4.18: "The reason phrase SHOULD indicate a more precise cause"; Retry-After
    case 486: // §21.4.24: Retry-After
    case 600:
      return [retryAfter(ctx)];
    case 485: {
      // §21.4.23: "The response MAY contain a listing of possible unambiguous addresses in Contact"
      // The candidates are rendered as every Contact pointing at us is (core/contact.ts).
      return cat.ambiguousContacts.map((t) => ['Contact', contactFromTemplate(t, req, ctx)] as const);
    }
    case 488: // §21.4.26: a Warning header explaining why the offer was rejected
      return [['Warning', `305 ${warnAgent(ctx)} "Incompatible media format"`]];
    case 489: // RFC 6665 §8.3.1: Allow-Events lists the packages supported
      return [['Allow-Events', sip.events.join(', ')]];
    default:
      return [];
  }
}

/** warn-agent = hostport / pseudonym (§20.43): our bound address, or our Server name. */
function warnAgent(ctx: RuleContext): string {
  const host = ctx.flow.local.family === 'IPv6' ? `[${ctx.flow.local.address}]` : ctx.flow.local.address;
  return `${host}:${ctx.flow.local.port}`;
}
