/**
 * Digest authentication state for one server (§22, RFC 8760): the nonce issuer (stateless HMAC
 * nonces, nonce.ts) and the nonce-count table that refuses replays (nonce-counts.ts). Both the
 * `auth` rule and the on-demand `sip:401@host` challenge issue nonces here, so credentials
 * answering either are verified the same way.
 *
 * Decisions taken here, with their grounds:
 *  - RFC 2069 credentials (no qop, nc, cnonce) are accepted: §22.4 "SIP servers supporting RFC 2617
 *    MUST ensure they are backwards compatible with RFC 2069" and qop "must unfortunately remain
 *    optional for clients and servers to receive". Having no nc, such a nonce is good for one
 *    request: a second use counts as a replay.
 *  - `-sess` algorithms are refused like any algorithm we did not offer: RFC 7616 §3.4 has the
 *    client answer with one of the challenge's algorithms, and we never offer -sess (it exists so
 *    a separate authentication server can hand out H(A1) per session, RFC 2617 §3.2.2.2; sip4xx
 *    verifies every request itself). The answer is a fresh challenge naming what we do offer.
 *  - A replayed nonce-count (not above the last one accepted for that nonce) is answered with a
 *    fresh nonce and stale=true: the digest was right, so per RFC 7616 §3.3 ("the server SHOULD only
 *    set stale to true if it receives a request for which the nonce is invalid and the response is
 *    valid") a client that merely reordered or restarted its count retries without asking the user,
 *    while a replayer, not knowing the password, cannot answer the new nonce.
 */
import type { Config } from '../config/schema.js';
import { digestResponse, fromWire, responsesMatch, type DigestAlgorithm } from './digest.js';
import { FailureThrottle } from './failure-throttle.js';
import { NonceCountTable } from './nonce-counts.js';
import { digestChallenges, NonceService } from './nonce.js';
import type { DigestCredentials } from './parse-credentials.js';

/** Opaque of our challenges; a client MUST return it unchanged (RFC 7616 §3.3). */
export const OPAQUE = 'sip4xx';

export interface AuthServiceDeps {
  readonly now: () => number;
  readonly config: () => Readonly<Config>;
  /** HMAC key of the nonces; random per server unless given (tests, or a restart keeping nonces). */
  readonly secret?: Buffer;
}

/** What the server expects the credentials to prove. */
export interface DigestClaim {
  /** The user the request speaks for (From, or To for REGISTER), unescaped. */
  readonly user: string;
  readonly password: string;
  readonly realm: string;
  readonly method: string;
  /** The algorithms this user was challenged with (users.<name>.algorithms, else auth.algorithms). */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** The address the request came from: failures are counted, and backed off, per address. */
  readonly source?: string;
}

export type DigestVerdict =
  | { readonly outcome: 'ok' }
  /** Ask again with a fresh nonce: the credentials answer no challenge of ours. */
  | { readonly outcome: 'challenge'; readonly why: string }
  /** Right password, spent nonce: a fresh nonce with stale=true (RFC 7616 §3.3). */
  | { readonly outcome: 'stale'; readonly why: string }
  /** Wrong user or wrong password: 403 (§22.1 "it may respond with a 403 Forbidden"). */
  | { readonly outcome: 'forbidden'; readonly why: string }
  /** The credentials break the digest-response grammar: 400. */
  | { readonly outcome: 'malformed'; readonly why: string }
  /** Too many failures from this address: 503 with Retry-After seconds (§21.5.4), unverified. */
  | { readonly outcome: 'throttled'; readonly why: string; readonly retryAfter: number };

const NC = /^[0-9a-fA-F]{8}$/;

export class AuthService {
  private readonly nonces: NonceService;
  private readonly counts = new NonceCountTable();
  /** Failed credentials per source address and their back-off (failure-throttle.ts). */
  readonly throttle = new FailureThrottle();

  constructor(private readonly deps: AuthServiceDeps) {
    this.nonces = new NonceService(deps.now, deps.secret);
  }

  /**
   * Challenge values for a realm, one per algorithm in order of preference (RFC 8760 §2.4): the
   * user's own list when it has one, else auth.algorithms.
   */
  challenges(realm: string, stale = false, algorithms: readonly DigestAlgorithm[] = this.deps.config().auth.algorithms): string[] {
    return digestChallenges(realm, this.nonces.issue(), OPAQUE, stale, algorithms);
  }

  verify(creds: DigestCredentials, claim: DigestClaim): DigestVerdict {
    const auth = this.deps.config().auth;
    if (claim.source !== undefined) {
      const wait = this.throttle.retryAfter(claim.source, this.deps.now());
      if (wait !== undefined) return { outcome: 'throttled', why: 'too many failed credentials from this address', retryAfter: wait };
    }
    const verdict = this.check(creds, claim, auth);
    if (verdict.outcome === 'forbidden' && claim.source !== undefined) this.throttle.fail(claim.source, this.deps.now(), auth.throttle);
    return verdict;
  }

  private check(creds: DigestCredentials, claim: DigestClaim, auth: Config['auth']): DigestVerdict {
    const username = fromWire(creds.username);
    if (username !== claim.user) return { outcome: 'forbidden', why: `username "${username}" is not "${claim.user}"` };
    if (fromWire(creds.realm) !== claim.realm) return { outcome: 'challenge', why: `realm "${creds.realm}" is not ours` };
    if (creds.opaque !== undefined && creds.opaque !== OPAQUE) return { outcome: 'challenge', why: 'opaque of another challenge' };

    // RFC 7616 §3.4: "If this is not present, it is assumed to be 'MD5'." Only an algorithm this
    // user was offered is taken (RFC 8760 §2.3: the UAC answers one of the challenges it got).
    const algName = creds.algorithm ?? 'MD5';
    const offered = claim.algorithms ?? auth.algorithms;
    const algorithm = offered.find((a) => a.toLowerCase() === algName.toLowerCase());
    if (algorithm === undefined) return { outcome: 'challenge', why: `algorithm ${algName} not offered` };

    let qop: { nc: string; cnonce: string } | undefined;
    let nc = 1;
    if (creds.qop === undefined) {
      // RFC 2617 §3.2.2: cnonce and nc "MUST NOT be specified if the server did not send a qop".
      if (creds.nc !== undefined || creds.cnonce !== undefined) return { outcome: 'malformed', why: 'nc or cnonce without qop' };
    } else {
      if (creds.qop.toLowerCase() !== 'auth') return { outcome: 'challenge', why: `qop ${creds.qop} not offered` };
      if (creds.nc === undefined || creds.cnonce === undefined) return { outcome: 'malformed', why: 'qop=auth without nc and cnonce' };
      if (!NC.test(creds.nc)) return { outcome: 'malformed', why: 'nc is not 8 hex digits' };
      nc = Number.parseInt(creds.nc, 16);
      if (nc === 0) return { outcome: 'malformed', why: 'nc counts from 00000001' };
      qop = { nc: creds.nc, cnonce: creds.cnonce };
    }

    const freshness = this.nonces.check(creds.nonce, auth.nonceTtlMs);
    if (freshness === 'invalid') return { outcome: 'challenge', why: 'nonce not issued by us' };

    const expected = digestResponse({
      algorithm,
      username,
      realm: claim.realm,
      password: claim.password,
      method: claim.method,
      uri: fromWire(creds.uri),
      nonce: creds.nonce,
      qop,
    });
    if (!responsesMatch(expected, creds.response)) return { outcome: 'forbidden', why: 'wrong digest response' };
    // Only now: stale=true tells the client its password was right (RFC 7616 §3.3), and only a
    // verified request may move the count, or anyone could burn a client's nonce.
    if (freshness === 'stale') return { outcome: 'stale', why: 'nonce expired' };
    if (!this.counts.advance(creds.nonce, nc, this.deps.now(), auth.nonceTtlMs, auth.maxNonces)) {
      return { outcome: 'stale', why: `nonce-count ${qop?.nc ?? '(none, RFC 2069)'} replayed` };
    }
    return { outcome: 'ok' };
  }

  /** Nonce-counts remembered (bounded by auth.maxNonces). */
  get trackedNonces(): number {
    return this.counts.size;
  }

  /** Nonce-counts forgotten early to stay within auth.maxNonces (metrics). */
  get nonceEvictions(): number {
    return this.counts.evictions;
  }

  close(): void {
    this.counts.clear();
    this.throttle.clear();
  }
}
