/**
 * Source-address access control (`acl` in config/default.yaml): requests from a denied network,
 * or from outside the allowed networks when any are listed, are refused. §21.4.4 403: "The server
 * understood the request, but is refusing to fulfill it. Authorization will not help".
 */
import type { Config } from '../config/schema.js';
import { networkMatcher } from '../net/cidr.js';
import type { Rule } from './rule.js';
import { reject } from './rule.js';

interface Acl {
  readonly denied: (address: string) => boolean;
  readonly allowed: ((address: string) => boolean) | undefined;
}

/** Networks parsed once per configuration (a reload brings a new config object). */
const compiled = new WeakMap<Readonly<Config>['acl'], Acl>();

function aclOf(config: Readonly<Config>): Acl {
  let acl = compiled.get(config.acl);
  if (acl === undefined) {
    acl = {
      denied: networkMatcher(config.acl.deny),
      allowed: config.acl.allow.length > 0 ? networkMatcher(config.acl.allow) : undefined,
    };
    compiled.set(config.acl, acl);
  }
  return acl;
}

export const aclRule: Rule = {
  name: 'acl',
  section: 'RFC 3261 §21.4.4',
  check(req, ctx) {
    // An ACK is never answered (§17.2.1) and a CANCEL belongs to its INVITE (§9.2).
    if (req.method === 'ACK' || req.method === 'CANCEL') return undefined;
    const acl = aclOf(ctx.config);
    const source = ctx.flow.remote.address;
    if (acl.denied(source)) return reject(403, undefined, 'Source Address Denied');
    if (acl.allowed !== undefined && !acl.allowed(source)) return reject(403, undefined, 'Source Address Not Allowed');
    return undefined;
  },
};
