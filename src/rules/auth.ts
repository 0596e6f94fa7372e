/**
 * Digest authentication (§22, RFC 8760): a request in auth.methods that speaks for a configured
 * user with a password must carry credentials that prove it. The user is the From user — for
 * REGISTER the To user, the address-of-record being bound (§10.2: To "contains the address of
 * record whose registration is to be created, queried, or modified"). Users without a password,
 * users we do not know and other methods pass on untouched; so does an authenticated request, to
 * the rules that decide what it gets (registrar, behaviour…).
 *
 *   no credentials for our realm      → 401 / 407 with one challenge per algorithm of the user
 *                                       (users.<name>.algorithms, else auth.algorithms; §22.2,
 *                                       §22.3, RFC 8760 §2.4)
 *   wrong user or wrong password      → 403 (§22.1 "it may respond with a 403 Forbidden")
 *   right password, expired or spent  → 401 / 407 with a fresh nonce and stale=true (RFC 7616 §3.3)
 *   credentials that break the grammar→ 400 naming the header
 *   auth.throttle.maxFailures wrong     → 503 with Retry-After (§21.5.4) for auth.throttle.lockoutMs,
 *   ones from one address in windowMs     to credentials from that address only
 *
 * The verification and its decisions (RFC 2069 form, -sess, replays) live in auth/auth-service.ts.
 */
import { unescape } from '../sip/charset.js';
import type { SipRequest } from '../sip/message.js';
import type { HeaderPair } from '../sip/response.js';
import { fromWire, type DigestAlgorithm } from '../auth/digest.js';
import { digestCredentials, parseCredentials, type DigestCredentials } from '../auth/parse-credentials.js';
import { realmFor } from './catalogue.js';
import type { Decision, Rule, RuleContext } from './rule.js';
import { reject } from './rule.js';

/** Header names of each role: what we send, and what the client answers with (§22.2, §22.3). */
const ROLES = {
  uas: { status: 401, challenge: 'WWW-Authenticate', credentials: 'authorization', name: 'Authorization' },
  proxy: { status: 407, challenge: 'Proxy-Authenticate', credentials: 'proxy-authorization', name: 'Proxy-Authorization' },
} as const;

export const authRule: Rule = {
  name: 'auth',
  section: 'RFC 3261 §22, RFC 8760',
  check(req, ctx) {
    // §22.1: "Servers MUST NOT attempt to challenge an ACK" and "MUST NOT attempt to challenge
    // CANCEL requests since these requests cannot be resubmitted" — whatever auth.methods says.
    if (req.method === 'ACK' || req.method === 'CANCEL') return undefined;
    const auth = ctx.config.auth;
    if (!auth.methods.includes(req.method)) return undefined;
    const user = speakingFor(req);
    if (user === undefined || !Object.hasOwn(ctx.config.users, user)) return undefined;
    const { password, algorithms = auth.algorithms } = ctx.config.users[user] ?? {};
    if (password === undefined) return undefined;

    const role = ROLES[auth.role];
    const realm = realmFor(req, ctx);
    const picked = credentialsFor(req, role.credentials, realm);
    if (picked === 'malformed') return reject(400, undefined, `Malformed ${role.name} header field`);
    if (picked === undefined) return challenge(ctx, role, realm, false, algorithms);

    const source = ctx.flow.remote.address;
    const verdict = ctx.services.auth.verify(picked, { user, password, realm, method: req.method, algorithms, source });
    switch (verdict.outcome) {
      case 'ok':
        return undefined;
      case 'challenge':
        return challenge(ctx, role, realm, false, algorithms);
      case 'stale':
        return challenge(ctx, role, realm, true, algorithms);
      case 'forbidden':
        return reject(403);
      case 'malformed':
        return reject(400, undefined, `Malformed ${role.name} header field`);
      case 'throttled':
        // §21.5.4: 503 with Retry-After; the address's digests are not computed until then.
        return reject(503, [['Retry-After', String(verdict.retryAfter)]]);
    }
  },
};

/** The user a request speaks for: the To user of a REGISTER, else the From user; unescaped (§19.1.4). */
export function speakingFor(req: SipRequest): string | undefined {
  const uri = req.method === 'REGISTER' ? req.to.uri : req.from.uri;
  return uri.user === undefined ? undefined : fromWire(unescape(uri.user));
}

/**
 * The Digest credentials for our realm among the request's Authorization (or Proxy-Authorization)
 * header fields. §22.3: "multiple credentials in a request SHOULD be differentiated by the 'realm'
 * parameter", so other realms and other schemes are ignored; undefined when none is for us.
 * 'malformed' only when none is for us and some Digest value could not be read (it may have been).
 */
function credentialsFor(req: SipRequest, header: string, realm: string): DigestCredentials | 'malformed' | undefined {
  let malformed = false;
  for (const h of req.headers) {
    if (h.name !== header) continue;
    const parsed = parseCredentials(h.value);
    if (parsed.kind === 'other') continue;
    if (parsed.kind === 'malformed') {
      malformed = true;
      continue;
    }
    if (fromWire(parsed.params.get('realm') ?? '') !== realm) continue;
    const creds = digestCredentials(parsed.params);
    if ('missing' in creds) {
      malformed = true;
      continue;
    }
    return creds;
  }
  return malformed ? 'malformed' : undefined;
}

function challenge(
  ctx: RuleContext,
  role: (typeof ROLES)[keyof typeof ROLES],
  realm: string,
  stale: boolean,
  algorithms: readonly DigestAlgorithm[],
): Decision {
  // §22.2: "The WWW-Authenticate response-header field MUST be included in 401 (Unauthorized)
  // response messages"; §22.3 likewise Proxy-Authenticate in a 407.
  const headers: HeaderPair[] = ctx.services.auth.challenges(realm, stale, algorithms).map((v) => [role.challenge, v] as const);
  return { status: role.status, headers };
}
