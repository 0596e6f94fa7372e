import { unescape } from '../sip/charset.js';
import type { Rule } from './rule.js';
import { requiredHeaders } from './catalogue.js';

/**
 * The test-control convention: a Request-URI user that is a 4xx code (`sip:486@host`) is answered
 * with that code and the headers the code requires, so any client — even a softphone that can only
 * dial digits — can reach every failure. The user part is compared unescaped (§19.1.4).
 * ACK is never answered and CANCEL belongs to its INVITE (§9.2), so neither is answered here.
 */
export const codeInUriRule: Rule = {
  name: 'code-in-uri',
  section: 'sip4xx codes on demand (docs/ARCHITECTURE.md, Codes on demand)',
  check(req, ctx) {
    if (req.method === 'ACK' || req.method === 'CANCEL') return undefined;
    const code = codeOf(req.uri.user);
    if (code === undefined) return undefined;
    return { status: code, headers: requiredHeaders(code, req, ctx) };
  },
};

/** "486" → 486 for 400–499; anything else → undefined. */
export function codeOf(user: string | undefined): number | undefined {
  if (user === undefined) return undefined;
  const u = unescape(user);
  if (u.length !== 3) return undefined;
  const n = (u.charCodeAt(0) - 48) * 100 + (u.charCodeAt(1) - 48) * 10 + (u.charCodeAt(2) - 48);
  for (let i = 0; i < 3; i++) {
    const c = u.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return n >= 400 && n <= 499 ? n : undefined;
}
