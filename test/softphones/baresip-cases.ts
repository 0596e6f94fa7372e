/**
 * The baresip cases, driven through ctrl_tcp: register through an MD5 challenge, calls that fail at
 * once, a CANCEL while ringing, an answered call ended by BYE, and a REGISTER that gets a 423.
 */
import path from 'node:path';
import { Baresip, registeredLineFor } from './baresip.js';
import { BaresipCtrl } from './baresip-ctrl.js';
import { exited } from './child-processes.js';
import { record } from './results.js';
import { expectCodes, recordChallengeHygiene, registerProblems } from './sip-checks.js';
import { brief, cseqMethod, hdr, hdrs, isRequest, ofCall, registerExpires, statusOf, type SipMsg } from './sip-messages.js';
import type { Sip4xx } from './sip4xx-process.js';
import { HOST, type Transport } from './transport.js';
import { sleep, waitFor } from './wait-for.js';

/** What every call case needs: the client, its ctrl_tcp connection and the server it calls. */
interface CallContext {
  readonly tag: string;
  readonly transport: Transport;
  readonly server: Sip4xx;
  /** sip4xx's port for this transport: server.port for UDP and TCP, its TLS port for TLS. */
  readonly port: number;
  readonly bs: Baresip;
  readonly ctrl: BaresipCtrl;
}

/** Calls that fail at once: the client's CALL_CLOSED reason and sip4xx's log must agree. */
const FAILING_CALLS: ReadonlyArray<{ user: string; want: string; code: number; rule: string; check?: (m: SipMsg) => string[] }> = [
  { user: 'busy', want: '486 Busy Here', code: 486, rule: 'behaviour' },
  { user: '480', want: '480 Temporarily Unavailable', code: 480, rule: 'code-in-uri' },
  {
    user: 'g729', want: '488 Not Acceptable Here', code: 488, rule: 'content',
    check: (m) => (hdrs(m, 'warning').some((w) => /^305\b/.test(w)) ? [] : [`488 without "Warning: 305" (Warning: ${hdrs(m, 'warning').join(' | ') || 'none'})`]),
  },
];

/** Dial `uri`: the index of this call's first event, and a problem if baresip refused the command. */
async function dial(ctrl: BaresipCtrl, uri: string): Promise<{ from: number; problems: string[] }> {
  const from = ctrl.events.length;
  const res = await ctrl.command('dial', uri);
  return { from, problems: res?.ok ? [] : [`dial command not accepted: ${JSON.stringify(res)}`] };
}

export async function baresipCalls(runDir: string, transport: Transport, server: Sip4xx, ctrlPort: number): Promise<void> {
  const tag = `baresip   ${transport}`;
  const bs = Baresip.start(path.join(runDir, `baresip-${transport}`), transport, server.port, ctrlPort, 600);
  const ctrl = await BaresipCtrl.connect(ctrlPort, 5000, bs.proc);
  try {
    await registerCase(tag, transport, server, bs, ctrl ? [] : [`could not connect to ctrl_tcp on ${HOST}:${ctrlPort}`]);
    if (!ctrl) {
      for (const c of ['busy', '480', 'g729', 'ringing', 'answer']) record(`${tag}  call ${c}`, ['no ctrl_tcp connection to drive baresip']);
      return;
    }
    const call: CallContext = { tag, transport, server, port: server.port, bs, ctrl };
    for (const c of FAILING_CALLS) await failingCall(call, c);
    await cancelWhileRinging(call);
    await answeredCall(call);
  } finally {
    await bs.quit(ctrl);
  }
  recordChallengeHygiene(tag, bs.trace());
  if (!server.alive()) record(`${tag}  sip4xx still running`, ['sip4xx exited'], () => [server.tailLog(40)]);
}

/** Register through the digest challenge. */
async function registerCase(tag: string, transport: Transport, server: Sip4xx, bs: Baresip, setupProblems: string[]): Promise<void> {
  await waitFor(() => (bs.registeredLine(transport) ? 'ok' : bs.failedRegistration() || exited(bs.proc) ? 'failed' : undefined), 8000);
  await sleep(100); // let the trace of the 200 be flushed too
  const line = bs.registeredLine(transport);
  const reg = await registerProblems(bs.trace(), server, { transport, algorithm: 'MD5', wantCodes: [401, 200], askExpires: 600 });
  const problems = [...setupProblems];
  if (!line) problems.push(`no "${registeredLineFor(transport)}" line from baresip${bs.failedRegistration() ? `; it said: ${bs.failedRegistration()}` : ''}`);
  problems.push(...reg.problems);
  record(`${tag}  register alice: 401 digest (MD5) -> 200 OK`, problems, () => [
    ...(line ? [`client: ${line}`] : []),
    bs.traceOf(reg.callId ?? ''),
    server.evidence(reg.callId ? [reg.callId] : []),
    ...(line ? [] : [bs.outputTail()]),
  ]);
}

async function failingCall({ tag, transport, server, port, bs, ctrl }: CallContext, c: (typeof FAILING_CALLS)[number]): Promise<void> {
  const uri = `sip:${c.user}@${HOST}:${port}`;
  const { from, problems } = await dial(ctrl, uri);
  const closed = await ctrl.waitEvent(from, (e) => e.type === 'CALL_CLOSED' && (e.peeruri ?? '').split(';')[0] === uri, 5000);
  if (!closed) problems.push('no CALL_CLOSED event within 5 s');
  else if (closed.param !== c.want) problems.push(`client reported "${closed.param}", expected "${c.want}"`);
  const callId = closed?.id ?? '';
  const got = await server.codesWhen(2, callId, 'INVITE');
  problems.push(...expectCodes(`INVITE ${callId}`, got, [401, c.code]));
  problems.push(...server.transportProblems(callId, transport));
  const rule = server.answered(callId, 'INVITE').at(-1)?.rule;
  if (rule !== c.rule) problems.push(`sip4xx's last answer to the INVITE came from rule "${rule}", expected "${c.rule}"`);
  const response = bs.trace().find((m) => m.dir === 'in' && hdr(m, 'call-id') === callId && statusOf(m) === c.code);
  if (!response) problems.push(`no ${c.code} in the client's SIP trace`);
  else if (c.check) problems.push(...c.check(response));
  record(`${tag}  call ${uri.replace(`:${port}`, '')} -> ${c.want}`, problems, () => [
    ctrl.eventsSince(from),
    bs.traceOf(callId),
    server.evidence([callId]),
  ]);
}

/** Ringing, then the caller hangs up before the answer: CANCEL -> 200, INVITE -> 487. */
async function cancelWhileRinging({ tag, transport, server, port, bs, ctrl }: CallContext): Promise<void> {
  const { from, problems } = await dial(ctrl, `sip:ringing@${HOST}:${port}`);
  const ringing = await ctrl.waitEvent(from, (e) => e.type === 'CALL_RINGING', 5000);
  if (!ringing) problems.push('no CALL_RINGING event within 5 s');
  await sleep(300);
  await ctrl.command('hangup');
  const closed = await ctrl.waitEvent(from, (e) => e.type === 'CALL_CLOSED', 5000);
  const callId = ringing?.id ?? closed?.id ?? '';
  if (!closed) problems.push('no CALL_CLOSED event after hangup');
  await waitFor(() => server.codes(callId, 'INVITE').includes(487) && server.codes(callId, 'CANCEL').length > 0, 3000);
  problems.push(...expectCodes(`CANCEL ${callId}`, server.codes(callId, 'CANCEL'), [200]));
  problems.push(...expectCodes(`INVITE ${callId}`, server.codes(callId, 'INVITE'), [401, 487]));
  problems.push(...server.transportProblems(callId, transport));
  await waitFor(() => bs.trace().some((m) => m.dir === 'in' && hdr(m, 'call-id') === callId && statusOf(m) === 487), 2000);
  const t = ofCall(bs.trace(), callId);
  if (!t.some((m) => m.dir === 'in' && statusOf(m) === 180)) problems.push('client trace: no 180 Ringing received');
  if (!t.some((m) => m.dir === 'out' && isRequest(m, 'CANCEL'))) problems.push('client trace: no CANCEL sent');
  if (!t.some((m) => m.dir === 'in' && statusOf(m) === 200 && cseqMethod(m) === 'CANCEL')) problems.push('client trace: no 200 to the CANCEL');
  if (!t.some((m) => m.dir === 'in' && statusOf(m) === 487 && cseqMethod(m) === 'INVITE')) problems.push('client trace: no 487 to the INVITE');
  record(`${tag}  call sip:ringing@${HOST}, hang up while ringing -> CANCEL 200, INVITE 487`, problems, () => [
    ctrl.eventsSince(from),
    bs.traceOf(callId),
    server.evidence([callId]),
  ]);
}

/** Answered: established, media started, then BYE -> 200. */
async function answeredCall({ tag, transport, server, port, bs, ctrl }: CallContext): Promise<void> {
  const { from, problems } = await dial(ctrl, `sip:answer@${HOST}:${port}`);
  const est = await ctrl.waitEvent(from, (e) => e.type === 'CALL_ESTABLISHED' || e.type === 'CALL_CLOSED', 5000);
  if (!est) problems.push('no CALL_ESTABLISHED event within 5 s');
  else if (est.type !== 'CALL_ESTABLISHED') problems.push(`call closed before it was established: "${est.param}"`);
  const callId = est?.id ?? '';
  if (est?.type === 'CALL_ESTABLISHED') {
    await sleep(700); // a little media (ausine -> opus -> RTP) before hanging up
    const early = ctrl.events.slice(from).find((e) => e.type === 'CALL_CLOSED');
    if (early) problems.push(`call closed by itself before the hangup: "${early.param}"`);
    await ctrl.command('hangup');
    const closed = await ctrl.waitEvent(from, (e) => e.type === 'CALL_CLOSED', 5000);
    if (!closed) problems.push('no CALL_CLOSED event after hangup');
  }
  await waitFor(() => server.codes(callId, 'BYE').length > 0, 3000);
  problems.push(...expectCodes(`INVITE ${callId}`, await server.codesWhen(2, callId, 'INVITE'), [401, 200]));
  problems.push(...expectCodes(`BYE ${callId}`, server.codes(callId, 'BYE'), [200]));
  problems.push(...server.transportProblems(callId, transport));
  const byeRule = server.answered(callId, 'BYE')[0]?.rule;
  if (byeRule !== undefined && byeRule !== 'dialog') problems.push(`sip4xx answered the BYE by rule "${byeRule}", expected "dialog"`);
  await waitFor(() => bs.trace().some((m) => m.dir === 'in' && hdr(m, 'call-id') === callId && cseqMethod(m) === 'BYE'), 2000);
  const t = ofCall(bs.trace(), callId);
  if (!t.some((m) => m.dir === 'out' && isRequest(m, 'ACK') && statusOf(m) === undefined)) problems.push('client trace: no ACK sent');
  if (!t.some((m) => m.dir === 'in' && statusOf(m) === 200 && cseqMethod(m) === 'BYE')) problems.push('client trace: no 200 to the BYE');
  record(`${tag}  call sip:answer@${HOST} -> established, BYE -> 200 OK`, problems, () => [
    ctrl.eventsSince(from),
    bs.traceOf(callId),
    server.evidence([callId]),
    bs.outputTail(25),
  ]);
}

/**
 * Over TLS (RFC 3261 §26.2) to sip4xx's TLS port and its certificate, generated at start and
 * self-signed: baresip 1.0 (libre 1.1) does not verify a server certificate and has no setting for
 * it, so nothing on either side is configured for the test. Register through the challenge, call busy.
 */
export async function baresipTls(runDir: string, server: Sip4xx, tlsPort: number, ctrlPort: number): Promise<void> {
  const transport = 'tls';
  const tag = `baresip   ${transport}`;
  const bs = Baresip.start(path.join(runDir, `baresip-${transport}`), transport, tlsPort, ctrlPort, 600);
  const ctrl = await BaresipCtrl.connect(ctrlPort, 5000, bs.proc);
  try {
    await registerCase(tag, transport, server, bs, ctrl ? [] : [`could not connect to ctrl_tcp on ${HOST}:${ctrlPort}`]);
    const busy = FAILING_CALLS[0];
    if (!ctrl || !busy) record(`${tag}  call busy`, ['no ctrl_tcp connection to drive baresip']);
    else await failingCall({ tag, transport, server, port: tlsPort, bs, ctrl }, busy);
  } finally {
    await bs.quit(ctrl);
  }
  recordChallengeHygiene(tag, bs.trace());
}

/** A second baresip asking for Expires 30, below sip4xx's registrar.minExpires 60: 423, then a retry with 60. */
export async function baresip423(runDir: string, transport: Transport, server: Sip4xx, ctrlPort: number): Promise<void> {
  const tag = `baresip   ${transport}`;
  const bs = Baresip.start(path.join(runDir, `baresip-${transport}-423`), transport, server.port, ctrlPort, 30);
  const ctrl = await BaresipCtrl.connect(ctrlPort, 5000, bs.proc);
  try {
    // not stopped by failedRegistration(): the 423 it waits through would match it
    await waitFor(() => (bs.registeredLine(transport) ? 'ok' : exited(bs.proc) ? 'exited' : undefined), 8000);
    await sleep(100);
    const line = bs.registeredLine(transport);
    const msgs = bs.trace();
    const reg = await registerProblems(msgs, server, { transport, algorithm: 'MD5', wantCodes: [401, 423, 200], askExpires: 30, minExpires: 60 });
    const problems = [...reg.problems];
    if (!line) problems.push(`no "${registeredLineFor(transport)}" line from baresip`);
    const ok = msgs.find((m) => m.dir === 'in' && statusOf(m) === 200 && hdr(m, 'call-id') === reg.callId);
    const granted = ok ? /;\s*expires=(\d+)/i.exec(hdrs(ok, 'contact').join(','))?.[1] ?? hdr(ok, 'expires') : undefined;
    if (ok && granted !== '60') problems.push(`200 granted expires ${granted}, expected 60`);
    record(`${tag}  register with Expires 30 -> 423 Min-Expires 60, retry with 60 -> 200 OK`, problems, () => [
      ...(line ? [`client: ${line}`] : [bs.outputTail()]),
      `client trace:\n${ofCall(msgs, reg.callId ?? '').map((m) => `${brief(m)} expires=${registerExpires(m) ?? ''}`).join('\n')}`,
      server.evidence(reg.callId ? [reg.callId] : []),
    ]);
  } finally {
    await bs.quit(ctrl);
  }
}
