import type { Rule } from './rule.js';
import { reject } from './rule.js';

/**
 * §16.3 step 4 (loop detection) and §8.2.2.2: a request whose Via names this server's own sent-by
 * has already passed through us — answering it normally would let it circle. A Via is ours when its
 * host is one of our identities and its port (default 5060, §19.1.2) is the one it arrived on.
 */
export const loopRule: Rule = {
  name: 'loop',
  section: 'RFC 3261 §16.3, §8.2.2.2',
  check(req, ctx) {
    const localPort = ctx.flow.local.port;
    for (const via of req.via) {
      if ((via.port ?? 5060) !== localPort) continue;
      if (ctx.identities.has(via.host.toLowerCase())) return reject(482);
    }
    return undefined;
  },
};
