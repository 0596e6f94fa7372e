/** The linphonec cases, driven on stdin: register through a SHA-256 challenge, then a call that gets 486. */
import path from 'node:path';
import { exited } from './child-processes.js';
import { Linphone, linphoneTrace } from './linphone.js';
import { record } from './results.js';
import { expectCodes, recordChallengeHygiene, registerProblems } from './sip-checks.js';
import { brief, hdr, hdrs, isRequest, ofCall, statusOf } from './sip-messages.js';
import type { Sip4xx } from './sip4xx-process.js';
import { HOST, type Transport } from './transport.js';
import { sleep, waitFor } from './wait-for.js';

export async function linphoneCases(runDir: string, transport: Transport, server: Sip4xx, sipPort: number, rtpPort: number): Promise<void> {
  const tag = `linphonec ${transport}`;
  const lp = Linphone.start(path.join(runDir, `linphonec-${transport}`), transport, server.port, sipPort, rtpPort);
  try {
    await registerCase(tag, transport, server, lp);
    await busyCall(tag, transport, server, lp);
  } finally {
    await lp.quit();
  }
  recordChallengeHygiene(tag, linphoneTrace(lp.log()));
}

/** Register through the digest challenge: SHA-256, the first algorithm sip4xx offers. */
async function registerCase(tag: string, transport: Transport, server: Sip4xx, lp: Linphone): Promise<void> {
  const state = await waitFor(() => {
    const m = /moving from state \[LinphoneRegistrationProgress\] to \[(LinphoneRegistration\w+)\]/.exec(lp.log());
    return m?.[1] ?? (exited(lp.proc) ? 'exited' : undefined);
  }, 12_000);
  await sleep(100);
  const reg = await registerProblems(linphoneTrace(lp.log()), server, { transport, algorithm: 'SHA-256', wantCodes: [401, 200], askExpires: 600 });
  const problems = [...reg.problems];
  if (state !== 'LinphoneRegistrationOk') problems.push(`account state ${state ?? 'unchanged after 12 s'}, expected LinphoneRegistrationOk`);
  record(`${tag}  register alice: 401 digest (SHA-256) -> 200 OK`, problems, () => [
    lp.logTail(/RegistrationOk|RegistrationFailed|Register refresher|^SIP\/2\.0|^REGISTER|^Authorization|^WWW-Authenticate/),
    server.evidence(reg.callId ? [reg.callId] : []),
    lp.outTail(),
  ]);
}

/** A call to busy: 486, which linphonec's stdout only reports as "error" (the reason is in the log). */
async function busyCall(tag: string, transport: Transport, server: Sip4xx, lp: Linphone): Promise<void> {
  const mark = lp.log().length;
  const logSinceCall = (): string => lp.log().slice(mark);
  lp.send(`call sip:busy@${HOST}:${server.port};transport=${transport}`);
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
  else if (!/algorithm=SHA-256/i.test(hdr(authz, 'authorization') ?? '')) problems.push('INVITE not authorized with SHA-256');
  problems.push(...expectCodes(`INVITE ${callId}`, await server.codesWhen(2, callId, 'INVITE'), [401, 486]));
  problems.push(...server.transportProblems(callId, transport));
  record(`${tag}  call sip:busy@${HOST} -> 486 Busy Here`, problems, () => [
    `client trace:\n${ofCall(msgs, callId).map(brief).join('\n')}`,
    server.evidence([callId]),
    lp.outTail(),
  ]);
}
