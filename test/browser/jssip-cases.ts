/**
 * JsSIP in Chromium against sip4xx over ws:// and wss:// (RFC 7118): register alice through the
 * digest challenge, call busy (486), ringing then CANCEL (487), answer then BYE (200). Each case
 * checks what JsSIP reported, the SIP messages that crossed the page's WebSocket, and sip4xx's
 * `answered` log lines (method, code, transport).
 */
import type { Page } from 'playwright-core';
import { record } from '../softphones/results.js';
import { expectCodes } from '../softphones/sip-checks.js';
import { brief, cseqMethod, hdr, hdrs, isRequest, ofCall, parseMessages, statusOf, type SipMsg } from '../softphones/sip-messages.js';
import type { Sip4xx } from '../softphones/sip4xx-process.js';
import { HOST } from '../softphones/transport.js';

export type WebTransport = 'ws' | 'wss';

interface SessionEvent {
  readonly type: string;
  readonly originator: string | null;
  readonly cause: string | null;
  readonly code: number | null;
  readonly reason: string | null;
}

interface Ctx {
  readonly tag: string;
  readonly transport: WebTransport;
  readonly page: Page;
  readonly server: Sip4xx;
  readonly console: readonly string[];
}

/** Call a function of window.sip4xxPage (page.js) with JSON arguments. */
function inPage<T>(page: Page, fn: string, ...args: unknown[]): Promise<T> {
  return page.evaluate<T>(`window.sip4xxPage.${fn}(${args.map((a) => JSON.stringify(a)).join(', ')})`);
}

async function pageTrace(page: Page): Promise<SipMsg[]> {
  const raw = await inPage<Array<{ dir: 'in' | 'out'; text: string }>>(page, 'trace');
  return raw.flatMap((m) => parseMessages(m.text, m.dir));
}

/**
 * The trace once `until` holds for this call's messages, or after `ms`: JsSIP reports a cancelled
 * call as failed when it sends the CANCEL, before the 487 arrives, and an ended one before the 200
 * to its BYE.
 */
async function traceWhen(page: Page, callId: string, until: (t: SipMsg[]) => boolean, ms = 3000): Promise<SipMsg[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const msgs = await pageTrace(page);
    if (until(ofCall(msgs, callId)) || Date.now() >= deadline) return msgs;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const has = (t: readonly SipMsg[], dir: 'in' | 'out', code: number, method: string): boolean =>
  t.some((m) => m.dir === dir && statusOf(m) === code && cseqMethod(m) === method);

/** The Via transport RFC 7118 §5 gives each: WS or WSS. */
const viaTransport = (t: WebTransport): string => t.toUpperCase();

function traceOf(msgs: readonly SipMsg[], callId: string): string {
  return `page's WebSocket trace for ${callId}:\n${ofCall(msgs, callId).map(brief).join('\n')}`;
}

/** A request the page sent over the WebSocket must carry Via SIP/2.0/WS (or WSS), RFC 7118 §5. */
function viaProblems(msgs: readonly SipMsg[], callId: string, t: WebTransport): string[] {
  const out = ofCall(msgs, callId).filter((m) => m.dir === 'out' && statusOf(m) === undefined);
  const bad = out.filter((m) => !(hdr(m, 'via') ?? '').startsWith(`SIP/2.0/${viaTransport(t)} `));
  const inBad = ofCall(msgs, callId).filter((m) => m.dir === 'in' && statusOf(m) !== undefined && !(hdr(m, 'via') ?? '').startsWith(`SIP/2.0/${viaTransport(t)} `));
  return [
    ...bad.map((m) => `request ${m.startLine} has Via "${hdr(m, 'via')}", expected SIP/2.0/${viaTransport(t)}`),
    ...inBad.map((m) => `response ${m.startLine} echoed Via "${hdr(m, 'via')}", expected SIP/2.0/${viaTransport(t)}`),
  ];
}

export async function jssipCases(ctx: Ctx, wsUrl: string): Promise<void> {
  const { tag, page, server } = ctx;
  const started = await inPage<{ connected: boolean; why?: string; sockets: Array<{ url: string; protocol: string | null }> }>(page, 'start', wsUrl, HOST);
  const sock = started.sockets[0];
  const problems: string[] = [];
  if (!started.connected) problems.push(`JsSIP did not connect to ${wsUrl}: ${started.why ?? '?'}`);
  if (sock?.protocol !== 'sip') problems.push(`WebSocket subprotocol "${sock?.protocol ?? 'none'}", expected "sip" (RFC 7118 §4.1)`);
  record(`${tag}  connect ${wsUrl} with subprotocol sip`, problems, () => [ctx.console.join('\n')]);
  if (!started.connected) return;
  await registerCase(ctx);
  await busyCase(ctx);
  await cancelCase(ctx);
  await answerCase(ctx);
  await inPage<boolean>(page, 'stop');
  if (!server.alive()) record(`${tag}  sip4xx still running`, ['sip4xx exited'], () => [server.tailLog(40)]);
}

async function registerCase({ tag, transport, page, server, console }: Ctx): Promise<void> {
  const res = await inPage<{ event: string; code: number | null; cause: string | null }>(page, 'register');
  const msgs = await pageTrace(page);
  const first = msgs.find((m) => m.dir === 'out' && isRequest(m, 'REGISTER'));
  const callId = first ? (hdr(first, 'call-id') ?? '') : '';
  const problems: string[] = [];
  if (res.event !== 'registered' || res.code !== 200) problems.push(`JsSIP: ${res.event} (${res.code ?? '-'} ${res.cause ?? ''}), expected registered 200`);
  const finals = ofCall(msgs, callId).filter((m) => m.dir === 'in' && (statusOf(m) ?? 0) >= 200).map((m) => statusOf(m));
  if (finals.join(',') !== '401,200') problems.push(`page received [${finals.join(', ')}] to REGISTER, expected [401, 200]`);
  const challenge = ofCall(msgs, callId).find((m) => statusOf(m) === 401);
  if (challenge && !hdrs(challenge, 'www-authenticate').some((w) => /^Digest\s.*algorithm=MD5/i.test(w))) problems.push('401 without an MD5 Digest WWW-Authenticate');
  const authz = ofCall(msgs, callId).find((m) => m.dir === 'out' && isRequest(m, 'REGISTER') && hdrs(m, 'authorization').length > 0);
  if (!authz || !(hdr(authz, 'authorization') ?? '').includes('username="alice"')) problems.push('no REGISTER with Authorization username="alice"');
  problems.push(...viaProblems(msgs, callId, transport));
  problems.push(...expectCodes(`REGISTER ${callId}`, await server.codesWhen(2, callId, 'REGISTER'), [401, 200]));
  problems.push(...server.transportProblems(callId, transport));
  record(`${tag}  register alice: 401 digest (MD5) -> 200 OK`, problems, () => [traceOf(msgs, callId), server.evidence([callId]), console.join('\n')]);
}

async function call(page: Page, user: string, then: 'wait' | 'cancel' | 'hangup', holdMs = 0): Promise<{ events: SessionEvent[]; msgs: SipMsg[]; callId: string }> {
  const before = (await pageTrace(page)).length;
  const r = await inPage<{ events: SessionEvent[]; callId: string | null }>(page, 'call', `sip:${user}@${HOST}`, then, holdMs);
  const msgs = await pageTrace(page);
  const invite = msgs.slice(before).find((m) => m.dir === 'out' && isRequest(m, 'INVITE'));
  return { events: r.events, msgs, callId: r.callId ?? (invite ? (hdr(invite, 'call-id') ?? '') : '') };
}

const eventsLine = (events: readonly SessionEvent[]): string =>
  `JsSIP session events: ${events.map((e) => `${e.type}(${[e.originator, e.code, e.cause].filter((x) => x !== null).join(' ')})`).join(', ')}`;

async function busyCase({ tag, transport, page, server, console }: Ctx): Promise<void> {
  const { events, msgs, callId } = await call(page, 'busy', 'wait');
  const problems: string[] = [];
  const failed = events.find((e) => e.type === 'failed');
  if (failed?.code !== 486 || failed.cause !== 'Busy') problems.push(`JsSIP: ${failed ? `failed ${failed.code} ${failed.cause}` : 'no failed event'}, expected failed 486 Busy`);
  const r486 = ofCall(msgs, callId).find((m) => m.dir === 'in' && statusOf(m) === 486);
  if (!r486) problems.push('no 486 in the page trace');
  else if (r486.startLine !== 'SIP/2.0 486 Busy Here' || hdrs(r486, 'retry-after').length !== 1) problems.push(`486 was "${r486.startLine}" with Retry-After [${hdrs(r486, 'retry-after').join(', ')}]`);
  problems.push(...viaProblems(msgs, callId, transport));
  problems.push(...expectCodes(`INVITE ${callId}`, await server.codesWhen(2, callId, 'INVITE'), [401, 486]));
  problems.push(...server.transportProblems(callId, transport));
  record(`${tag}  call sip:busy@${HOST} -> 486 Busy Here`, problems, () => [eventsLine(events), traceOf(msgs, callId), server.evidence([callId]), console.join('\n')]);
}

async function cancelCase({ tag, transport, page, server, console }: Ctx): Promise<void> {
  const { events, callId } = await call(page, 'ringing', 'cancel');
  const msgs = await traceWhen(page, callId, (t) => has(t, 'in', 487, 'INVITE'));
  const problems: string[] = [];
  if (!events.some((e) => e.type === 'progress' && e.code === 180)) problems.push('JsSIP: no progress event for a 180');
  const failed = events.find((e) => e.type === 'failed');
  if (failed?.cause !== 'Canceled' || failed.originator !== 'local') problems.push(`JsSIP: ${failed ? `failed ${failed.originator} ${failed.cause}` : 'no failed event'}, expected failed local Canceled`);
  await server.codesWhen(1, callId, 'CANCEL');
  await server.codesWhen(2, callId, 'INVITE');
  const t = ofCall(msgs, callId);
  if (!t.some((m) => m.dir === 'out' && isRequest(m, 'CANCEL'))) problems.push('page trace: no CANCEL sent');
  if (!t.some((m) => m.dir === 'in' && statusOf(m) === 200 && cseqMethod(m) === 'CANCEL')) problems.push('page trace: no 200 to the CANCEL');
  if (!t.some((m) => m.dir === 'in' && statusOf(m) === 487 && cseqMethod(m) === 'INVITE')) problems.push('page trace: no 487 to the INVITE');
  problems.push(...viaProblems(msgs, callId, transport));
  problems.push(...expectCodes(`CANCEL ${callId}`, server.codes(callId, 'CANCEL'), [200]));
  problems.push(...expectCodes(`INVITE ${callId}`, server.codes(callId, 'INVITE'), [401, 487]));
  problems.push(...server.transportProblems(callId, transport));
  record(`${tag}  call sip:ringing@${HOST}, cancel while ringing -> CANCEL 200, INVITE 487`, problems, () => [eventsLine(events), traceOf(msgs, callId), server.evidence([callId]), console.join('\n')]);
}

/** The body of a message from the trace (after the blank line), '' when it has none. */
function bodyOf(m: SipMsg): string {
  const blank = m.text.indexOf('\n\n');
  return blank < 0 ? '' : m.text.slice(blank + 2).trim();
}

/** The m= lines of an SDP body: media, port, proto. */
const mLines = (sdp: string): string[] => sdp.split('\n').filter((l) => l.startsWith('m='));

/**
 * RFC 3264 §6: the answer has exactly as many m= lines as the offer, each with the offer's
 * transport protocol (here JsSIP's UDP/TLS/RTP/SAVPF); a port of 0 rejects that stream.
 */
function answerSdpProblems(offer: string, answer: string): string[] {
  const o = mLines(offer);
  const a = mLines(answer);
  if (a.length !== o.length) return [`answer has ${a.length} m= lines, the offer ${o.length} (RFC 3264 §6)`];
  return a.flatMap((line, i) => {
    const proto = (l: string | undefined): string => l?.split(' ')[2] ?? '';
    return proto(line) === proto(o[i]) ? [] : [`answer "${line}" does not keep the offer's proto "${proto(o[i])}" (RFC 3264 §6)`];
  });
}

/** The SDP bodies of this call, for the report. */
function sdpOf(msgs: readonly SipMsg[], callId: string): string {
  return ofCall(msgs, callId)
    .filter((m) => bodyOf(m).startsWith('v=0'))
    .map((m) => `${brief(m)}\n${bodyOf(m)}`)
    .join('\n');
}

async function answerCase({ tag, transport, page, server, console }: Ctx): Promise<void> {
  const { events, callId } = await call(page, 'answer', 'hangup', 1000);
  const msgs = await traceWhen(page, callId, (t) => has(t, 'in', 200, 'BYE'));
  const problems: string[] = [];
  const types = events.map((e) => e.type);
  if (!types.includes('confirmed')) problems.push(`JsSIP: the call was never confirmed (${eventsLine(events)})`);
  const ended = events.find((e) => e.type === 'ended');
  if (ended?.originator !== 'local') problems.push(`JsSIP: ${ended ? `ended by ${ended.originator} (${ended.cause})` : 'no ended event'}, expected ended by the local hang-up`);
  await server.codesWhen(1, callId, 'BYE');
  const t = ofCall(msgs, callId);
  const ok = t.find((m) => m.dir === 'in' && statusOf(m) === 200 && cseqMethod(m) === 'INVITE');
  const contact = ok ? (hdr(ok, 'contact') ?? '') : '';
  // RFC 7118 §5.2: the SIP URI transport parameter is "ws" over WS and WSS alike.
  if (ok && !/;transport=ws(?![\w-])/i.test(contact)) problems.push(`200 Contact "${contact}" does not name transport=ws (RFC 7118 §5.2)`);
  const offer = t.find((m) => m.dir === 'out' && isRequest(m, 'INVITE') && bodyOf(m).startsWith('v=0'));
  if (!ok || !offer) problems.push('page trace: no SDP offer and 200 answer to compare');
  else problems.push(...answerSdpProblems(bodyOf(offer), bodyOf(ok)));
  if (!t.some((m) => m.dir === 'out' && isRequest(m, 'ACK'))) problems.push('page trace: no ACK sent');
  if (!t.some((m) => m.dir === 'out' && isRequest(m, 'BYE'))) problems.push('page trace: no BYE sent');
  if (!t.some((m) => m.dir === 'in' && statusOf(m) === 200 && cseqMethod(m) === 'BYE')) problems.push('page trace: no 200 to the BYE');
  problems.push(...viaProblems(msgs, callId, transport));
  problems.push(...expectCodes(`INVITE ${callId}`, await server.codesWhen(2, callId, 'INVITE'), [401, 200]));
  problems.push(...expectCodes(`BYE ${callId}`, server.codes(callId, 'BYE'), [200]));
  problems.push(...server.transportProblems(callId, transport));
  record(`${tag}  call sip:answer@${HOST} (WebRTC offer) -> established, BYE -> 200 OK`, problems, () => [
    eventsLine(events),
    traceOf(msgs, callId),
    `SDP of the call:\n${sdpOf(msgs, callId)}`,
    server.evidence([callId]),
    console.join('\n'),
  ]);
}
