/** The checks both clients' cases share: the REGISTER exchange, the challenges, sip4xx's codes. */
import { record } from './results.js';
import { brief, cseqMethod, digestAlgorithm, hdr, hdrs, isRequest, registerExpires, statusOf, type SipMsg } from './sip-messages.js';
import type { Sip4xx } from './sip4xx-process.js';
import type { Transport } from './transport.js';

/** Problems when `got` (the codes sip4xx logged for a Call-ID, in order) is not `want`. */
export function expectCodes(what: string, got: readonly number[], want: readonly number[]): string[] {
  return got.join(',') === want.join(',') ? [] : [`sip4xx logged ${what} as [${got.join(', ')}], expected [${want.join(', ')}]`];
}

/**
 * The challenge hygiene both clients depend on (they re-send many times on a 401 without a
 * challenge): every 401 carries WWW-Authenticate, and no Call-ID gets two 401s in a row.
 */
function challengeProblems(msgs: readonly SipMsg[]): string[] {
  const problems: string[] = [];
  const last = new Map<string, number>();
  for (const m of msgs) {
    const code = statusOf(m);
    if (m.dir !== 'in' || code === undefined || code < 200) continue;
    const callId = hdr(m, 'call-id') ?? '?';
    if (code === 401 && hdrs(m, 'www-authenticate').length === 0) {
      problems.push(`401 to ${hdr(m, 'cseq')} (Call-ID ${callId}) without WWW-Authenticate`);
    }
    if (code === 401 && last.get(callId) === 401) {
      problems.push(`Call-ID ${callId} challenged twice in a row (client re-sent after a 401 it could not use)`);
    }
    last.set(callId, code);
  }
  return problems;
}

/** The last case of every client run: the challenge hygiene over its whole SIP trace. */
export function recordChallengeHygiene(tag: string, trace: readonly SipMsg[]): void {
  record(`${tag}  every 401 carried WWW-Authenticate, no request challenged twice`, challengeProblems(trace), () => [
    trace.filter((m) => statusOf(m) === 401).map(brief).join('\n'),
  ]);
}

/** The REGISTER exchange of one baresip/linphonec run, checked on both sides. */
export async function registerProblems(
  msgs: readonly SipMsg[],
  server: Sip4xx,
  opts: { transport: Transport; algorithm: 'MD5' | 'SHA-256'; wantCodes: readonly number[]; minExpires?: number; askExpires?: number; user?: string },
): Promise<{ problems: string[]; callId?: string }> {
  const problems: string[] = [];
  const first = msgs.find((m) => m.dir === 'out' && isRequest(m, 'REGISTER'));
  if (!first) return { problems: ['client sent no REGISTER'] };
  const callId = hdr(first, 'call-id') ?? '';
  const exchange = msgs.filter((m) => hdr(m, 'call-id') === callId && cseqMethod(m) === 'REGISTER');
  const finals = exchange.filter((m) => m.dir === 'in' && (statusOf(m) ?? 0) >= 200);
  const want = opts.wantCodes;
  const got = finals.slice(0, want.length).map((m) => statusOf(m) ?? 0);
  if (got.join(',') !== want.join(',')) problems.push(`client received [${got.join(', ')}] to its REGISTERs, expected [${want.join(', ')}]`);

  const challenge = finals.find((m) => statusOf(m) === 401);
  if (challenge) {
    const algs = hdrs(challenge, 'www-authenticate').map(digestAlgorithm);
    if (!algs.some((a) => a.toUpperCase() === opts.algorithm)) problems.push(`401 offered [${algs.join(', ')}], no ${opts.algorithm} challenge`);
  }
  const authorized = exchange.find((m) => m.dir === 'out' && isRequest(m, 'REGISTER') && hdrs(m, 'authorization').length > 0);
  if (!authorized) problems.push('client never sent a REGISTER with Authorization');
  else {
    const auth = hdr(authorized, 'authorization') ?? '';
    const alg = digestAlgorithm(auth);
    if (!/^Digest\s/i.test(auth) || !auth.includes(`username="${opts.user ?? 'alice'}"`)) problems.push(`unexpected Authorization: ${auth}`);
    if (alg.toUpperCase() !== opts.algorithm) problems.push(`client answered the challenge with ${alg}, expected ${opts.algorithm}`);
  }
  if (opts.askExpires !== undefined) {
    const asked = registerExpires(first);
    if (asked !== opts.askExpires) problems.push(`first REGISTER asked for Expires ${asked}, expected ${opts.askExpires}`);
  }
  if (opts.minExpires !== undefined) {
    const r423 = finals.find((m) => statusOf(m) === 423);
    const min = r423 ? hdr(r423, 'min-expires') : undefined;
    if (!r423) problems.push('no 423 reached the client');
    else if (min !== String(opts.minExpires)) problems.push(`423 carried Min-Expires ${min}, expected ${opts.minExpires}`);
    const i423 = r423 ? exchange.indexOf(r423) : -1;
    const retry = exchange.slice(i423 + 1).find((m) => m.dir === 'out' && isRequest(m, 'REGISTER'));
    if (r423 && !retry) problems.push('client did not retry after the 423');
    else if (retry && registerExpires(retry) !== opts.minExpires) {
      problems.push(`retry after 423 asked for Expires ${registerExpires(retry)}, expected ${opts.minExpires}`);
    }
  }
  problems.push(...expectCodes(`REGISTER ${callId}`, (await server.codesWhen(want.length, callId, 'REGISTER')).slice(0, want.length), want));
  const rules = server.answered(callId, 'REGISTER').slice(0, want.length).map((l) => l.rule);
  const wantRules = want.map((c) => (c === 401 ? 'auth' : 'registrar'));
  if (rules.join(',') !== wantRules.join(',')) problems.push(`sip4xx rules for REGISTER: [${rules.join(', ')}], expected [${wantRules.join(', ')}]`);
  problems.push(...server.transportProblems(callId, opts.transport));
  return { problems, callId };
}
