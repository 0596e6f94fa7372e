/**
 * The linphonec cases, driven on stdin: alice registers through the default MD5 challenge, calls
 * busy (486) and answer (a call that stays up past linphonec's no-RTP timeout, then BYE → 200); then
 * the demo user sha256, challenged SHA-256 then MD5, registers with SHA-256 (RFC 8760).
 */
import path from 'node:path';
import { exited } from './child-processes.js';
import { Linphone, NORTP_TIMEOUT_S, linphoneTrace } from './linphone.js';
import { record } from './results.js';
import { expectCodes, recordChallengeHygiene, registerProblems } from './sip-checks.js';
import { brief, hdr, hdrs, isRequest, ofCall, statusOf } from './sip-messages.js';
import type { Sip4xx } from './sip4xx-process.js';
import { HOST, type Transport } from './transport.js';
import { sleep, waitFor } from './wait-for.js';

export async function linphoneCases(runDir: string, transport: Transport, server: Sip4xx, ports: readonly [number, number, number, number]): Promise<void> {
  const tag = `linphonec ${transport}`;
  const lp = Linphone.start(path.join(runDir, `linphonec-${transport}`), transport, server.port, ports[0], ports[1]);
  try {
    await registerCase(tag, transport, server, lp, 'alice', 'MD5');
    await busyCall(tag, transport, server, lp, server.port);
    await answeredCall(tag, transport, server, lp);
  } finally {
    await lp.quit();
  }
  recordChallengeHygiene(tag, linphoneTrace(lp.log()));

  const sha = Linphone.start(path.join(runDir, `linphonec-sha256-${transport}`), transport, server.port, ports[2], ports[3], 'sha256');
  try {
    await registerCase(tag, transport, server, sha, 'sha256', 'SHA-256');
  } finally {
    await sha.quit();
  }
}

/**
 * Over TLS (RFC 3261 §26.2) to sip4xx's TLS port: its certificate is generated at start and
 * self-signed, so linphonec runs with verify_server_certs=0 (linphonerc.in, the client's side
 * only). alice registers through the MD5 challenge and calls busy.
 */
export async function linphoneTlsCases(runDir: string, server: Sip4xx, tlsPort: number, ports: readonly [number, number]): Promise<void> {
  const transport = 'tls';
  const tag = `linphonec ${transport}`;
  const lp = Linphone.start(path.join(runDir, `linphonec-${transport}`), transport, tlsPort, ports[0], ports[1]);
  try {
    await registerCase(tag, transport, server, lp, 'alice', 'MD5');
    await busyCall(tag, transport, server, lp, tlsPort);
  } finally {
    await lp.quit();
  }
  recordChallengeHygiene(tag, linphoneTrace(lp.log()));
}

/** Register `user` through the digest challenge, answered with `algorithm`: the first one offered that linphonec knows. */
async function registerCase(tag: string, transport: Transport, server: Sip4xx, lp: Linphone, user: string, algorithm: 'MD5' | 'SHA-256'): Promise<void> {
  const state = await waitFor(() => {
    const m = /moving from state \[LinphoneRegistrationProgress\] to \[(LinphoneRegistration\w+)\]/.exec(lp.log());
    return m?.[1] ?? (exited(lp.proc) ? 'exited' : undefined);
  }, 12_000);
  await sleep(100);
  const reg = await registerProblems(linphoneTrace(lp.log()), server, { transport, algorithm, user, wantCodes: [401, 200], askExpires: 600 });
  const problems = [...reg.problems];
  if (state !== 'LinphoneRegistrationOk') problems.push(`account state ${state ?? 'unchanged after 12 s'}, expected LinphoneRegistrationOk`);
  record(`${tag}  register ${user}: 401 digest (${algorithm}) -> 200 OK`, problems, () => [
    lp.logTail(/RegistrationOk|RegistrationFailed|Register refresher|^SIP\/2\.0|^REGISTER|^Authorization|^WWW-Authenticate/),
    server.evidence(reg.callId ? [reg.callId] : []),
    lp.outTail(),
  ]);
}

/** A call to busy: 486, which linphonec's stdout only reports as "error" (the reason is in the log). */
async function busyCall(tag: string, transport: Transport, server: Sip4xx, lp: Linphone, port: number): Promise<void> {
  const mark = lp.log().length;
  const logSinceCall = (): string => lp.log().slice(mark);
  lp.send(`call sip:busy@${HOST}:${port};transport=${transport}`);
  const end = await waitFor(() => {
    const m = /moving from state LinphoneCall\w+ to (LinphoneCall(?:Error|End|Released|Connected|StreamsRunning))/.exec(logSinceCall());
    return m?.[1] ?? (exited(lp.proc) ? 'exited' : undefined);
  }, 10_000);
  await sleep(200);
  const problems: string[] = [];
  const msgs = linphoneTrace(logSinceCall());
  const invite = msgs.find((m) => m.dir === 'out' && isRequest(m, 'INVITE'));
  const callId = invite ? (hdr(invite, 'call-id') ?? '') : '';
  if (!invite) problems.push('linphonec sent no INVITE');
  if (end !== 'LinphoneCallError') problems.push(`call state ${end ?? 'unchanged after 10 s'}, expected LinphoneCallError`);
  if (!/Call \d+ with [^\n]*busy[^\n]* error\./.test(lp.stdout)) problems.push('stdout has no "Call N with <sip:busy@…> error." line');
  const r486 = msgs.find((m) => m.dir === 'in' && hdr(m, 'call-id') === callId && (statusOf(m) ?? 0) >= 300 && statusOf(m) !== 401);
  if (r486?.startLine !== 'SIP/2.0 486 Busy Here') problems.push(`client log: final response "${r486?.startLine ?? 'none'}", expected "SIP/2.0 486 Busy Here"`);
  if (!/receiving call response \[486\]/.test(logSinceCall())) problems.push('client log has no "receiving call response [486]"');
  const authz = msgs.find((m) => m.dir === 'out' && isRequest(m, 'INVITE') && hdrs(m, 'authorization').length > 0);
  if (!authz) problems.push('linphonec never sent the INVITE with Authorization');
  else if (!/algorithm=MD5/i.test(hdr(authz, 'authorization') ?? '')) problems.push('INVITE not authorized with MD5, the one algorithm offered to alice');
  problems.push(...expectCodes(`INVITE ${callId}`, await server.codesWhen(2, callId, 'INVITE'), [401, 486]));
  problems.push(...server.transportProblems(callId, transport));
  record(`${tag}  call sip:busy@${HOST} -> 486 Busy Here`, problems, () => [
    `client trace:\n${ofCall(msgs, callId).map(brief).join('\n')}`,
    server.evidence([callId]),
    lp.outTail(),
  ]);
}

/**
 * A call to answer stays up: linphonec, with no sound card, sends only STUN keep-alives on its RTP
 * port and hangs up ("Media connectivity … is lost") after nortp_timeout seconds without RTP. sip4xx
 * sends frames of its own once the call is confirmed (README "Media"), so the call lasts until
 * linphonec terminates it, and the BYE gets 200.
 */
async function answeredCall(tag: string, transport: Transport, server: Sip4xx, lp: Linphone): Promise<void> {
  const mark = lp.log().length;
  const logSinceCall = (): string => lp.log().slice(mark);
  lp.send(`call sip:answer@${HOST}:${server.port};transport=${transport}`);
  const running = await waitFor(() => (/to LinphoneCallStreamsRunning/.test(logSinceCall()) ? true : exited(lp.proc) ? false : undefined), 10_000);
  const holdMs = (NORTP_TIMEOUT_S + 3) * 1000;
  await sleep(holdMs);
  const problems: string[] = [];
  if (running !== true) problems.push('the call never reached LinphoneCallStreamsRunning');
  if (/Media connectivity with [^\n]* is lost/.test(logSinceCall())) problems.push('linphonec lost media connectivity and ended the call');
  if (/to LinphoneCall(End|Error|Released)/.test(logSinceCall())) problems.push(`the call ended within ${holdMs} ms, before linphonec hung up`);
  lp.send('terminate');
  await waitFor(() => (/to LinphoneCallReleased/.test(logSinceCall()) ? true : undefined), 5000);
  const msgs = linphoneTrace(logSinceCall());
  const invite = msgs.find((m) => m.dir === 'out' && isRequest(m, 'INVITE'));
  const callId = invite ? (hdr(invite, 'call-id') ?? '') : '';
  const bye = msgs.find((m) => m.dir === 'out' && isRequest(m, 'BYE') && hdr(m, 'call-id') === callId);
  if (!bye) problems.push('linphonec sent no BYE');
  problems.push(...expectCodes(`BYE ${callId}`, await server.codesWhen(1, callId, 'BYE'), [200]));
  problems.push(...server.transportProblems(callId, transport));
  record(`${tag}  call sip:answer@${HOST}: media kept alive past nortp_timeout=${NORTP_TIMEOUT_S} s, BYE -> 200`, problems, () => [
    `client trace:\n${ofCall(msgs, callId).map(brief).join('\n')}`,
    lp.logTail(/connectivity|moving from state LinphoneCall/),
    server.evidence([callId]),
    lp.outTail(),
  ]);
}
