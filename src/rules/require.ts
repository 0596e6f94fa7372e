import type { Decision, Rule } from './rule.js';
import { reject } from './rule.js';

/**
 * §8.2.2.3: "If a UAS does not understand an option-tag listed in a Require header field, it MUST
 * respond by generating a response with status code 420 (Bad Extension). The UAS MUST add an
 * Unsupported header field, and list in it those options it does not understand amongst those in
 * the Require header field of the request." §16.3 step 5 does the same for Proxy-Require.
 * §21.4.16 421 the other way round: "The UAS needs a particular extension to process the request,
 * but this extension is not listed in a Supported header field in the request. Responses with this
 * status code MUST contain a Require header field listing the required extensions." The tags of
 * `sip.required` the request names in neither Supported nor Require are the ones listed.
 * ACK and CANCEL are exempt: an ACK is never answered, and a CANCEL's Require is not examined
 * (§9.1: CANCEL carries no Require of its own to honour).
 */
export const requireRule: Rule = {
  name: 'require',
  section: 'RFC 3261 §8.2.2.3, §16.3, §21.4.16',
  check(req, ctx) {
    if (req.method === 'ACK' || req.method === 'CANCEL') return undefined;
    return badExtension(req.require, req.proxyRequire, ctx.config.sip.supported) ?? extensionRequired(req.supported, req.require, ctx.config.sip.required);
  },
};

function badExtension(require: readonly string[], proxyRequire: readonly string[], supported: readonly string[]): Decision | undefined {
  if (require.length === 0 && proxyRequire.length === 0) return undefined;
  const unknown: string[] = [];
  for (const tag of [...require, ...proxyRequire]) {
    if (!supported.includes(tag) && !unknown.includes(tag)) unknown.push(tag);
  }
  return unknown.length === 0 ? undefined : reject(420, [['Unsupported', unknown.join(', ')]]);
}

function extensionRequired(supported: readonly string[], require: readonly string[], required: readonly string[]): Decision | undefined {
  const missing = required.filter((tag) => !supported.includes(tag) && !require.includes(tag));
  return missing.length === 0 ? undefined : reject(421, [['Require', missing.join(', ')]]);
}
