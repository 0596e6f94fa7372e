/**
 * openssl s_client as the plainest TLS client there is: one TLS connection per case to sip4xx's TLS
 * port (self-signed certificate, not verified), an OPTIONS (→ 200) and an INVITE to busy (→ 486,
 * then our ACK), written by hand. RFC 3261 §18.2.2: the response comes back on the same connection,
 * whatever the Via sent-by says; §26.2: SIP over TLS names the Via transport TLS.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stop, track } from '../softphones/child-processes.js';
import { record } from '../softphones/results.js';
import { expectCodes } from '../softphones/sip-checks.js';
import { brief, hdr, hdrs, parseMessages, statusOf, type SipMsg } from '../softphones/sip-messages.js';
import type { Sip4xx } from '../softphones/sip4xx-process.js';
import { HOST } from '../softphones/transport.js';
import { sleep, waitFor } from '../softphones/wait-for.js';

const MAX_OUTPUT = 64 * 1024; // bytes of s_client output kept

interface Exchange {
  readonly responses: SipMsg[];
  readonly stderr: string;
}

/** One s_client connection: write `request`, wait for its final response, then `after` (an ACK) if any. */
async function sclient(tlsPort: number, request: string, after?: (final: SipMsg) => string): Promise<Exchange> {
  const child = track(spawn('openssl', ['s_client', '-connect', `${HOST}:${tlsPort}`, '-quiet'], { stdio: ['pipe', 'pipe', 'pipe'] }));
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out = (out + d.toString('utf8')).slice(0, MAX_OUTPUT)));
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString('utf8')).slice(0, MAX_OUTPUT)));
  child.stdin?.on('error', () => undefined);
  child.stdin?.write(request);
  const final = await waitFor(() => parseMessages(out, 'in').find((m) => (statusOf(m) ?? 0) >= 200), 5000);
  if (final && after) {
    child.stdin?.write(after(final));
    await sleep(200); // let the ACK go out before the connection closes
  }
  child.stdin?.end();
  await stop(child, 1000);
  return { responses: parseMessages(out, 'in'), stderr: err };
}

const token = (): string => randomBytes(6).toString('hex');

function request(method: string, ruri: string, callId: string, branch: string, fromTag: string, to: string): string {
  return [
    `${method} ${ruri} SIP/2.0`,
    `Via: SIP/2.0/TLS sclient.invalid;branch=${branch}`,
    'Max-Forwards: 70',
    `From: <sip:sclient@${HOST}>;tag=${fromTag}`,
    `To: ${to}`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** The fields every response must echo (RFC 3261 §8.2.6.2): Via, From, Call-ID, CSeq. */
function echoProblems(res: SipMsg, branch: string, fromTag: string, callId: string, cseq: string): string[] {
  const p: string[] = [];
  const via = hdr(res, 'via') ?? '';
  if (!via.startsWith(`SIP/2.0/TLS sclient.invalid;branch=${branch}`)) p.push(`Via "${via}" is not ours (SIP/2.0/TLS, branch ${branch})`);
  if (hdr(res, 'from') !== `<sip:sclient@${HOST}>;tag=${fromTag}`) p.push(`From "${hdr(res, 'from')}" not echoed`);
  if (hdr(res, 'call-id') !== callId) p.push(`Call-ID "${hdr(res, 'call-id')}" not echoed`);
  if (hdr(res, 'cseq') !== cseq) p.push(`CSeq "${hdr(res, 'cseq')}", expected "${cseq}"`);
  if (!/;tag=\S+/.test(hdr(res, 'to') ?? '')) p.push(`To "${hdr(res, 'to')}" without a tag`);
  return p;
}

export async function sclientCases(server: Sip4xx, tlsPort: number): Promise<void> {
  const tag = 'openssl s_client tls';
  {
    const callId = `${token()}@sclient`;
    const branch = `z9hG4bK${token()}`;
    const fromTag = token();
    const ex = await sclient(tlsPort, request('OPTIONS', `sip:${HOST}:${tlsPort}`, callId, branch, fromTag, `<sip:${HOST}:${tlsPort}>`));
    const final = ex.responses.find((m) => (statusOf(m) ?? 0) >= 200);
    const problems: string[] = [];
    if (final?.startLine !== 'SIP/2.0 200 OK') problems.push(`final response "${final?.startLine ?? 'none within 5 s'}", expected "SIP/2.0 200 OK"`);
    if (final) {
      problems.push(...echoProblems(final, branch, fromTag, callId, '1 OPTIONS'));
      if (!hdrs(final, 'allow').join(',').includes('INVITE')) problems.push(`Allow "${hdrs(final, 'allow').join(', ')}" does not list INVITE`);
    }
    problems.push(...expectCodes(`OPTIONS ${callId}`, await server.codesWhen(1, callId, 'OPTIONS'), [200]));
    problems.push(...server.transportProblems(callId, 'tls'));
    record(`${tag}  OPTIONS sip:${HOST} -> 200 OK with Allow`, problems, () => [ex.responses.map(brief).join('\n'), `s_client stderr:\n${ex.stderr.slice(-2000)}`, server.evidence([callId])]);
  }
  {
    const callId = `${token()}@sclient`;
    const branch = `z9hG4bK${token()}`;
    const fromTag = token();
    const ruri = `sip:busy@${HOST}:${tlsPort}`;
    const ack = (final: SipMsg): string => request('ACK', ruri, callId, branch, fromTag, hdr(final, 'to') ?? '');
    const ex = await sclient(tlsPort, request('INVITE', ruri, callId, branch, fromTag, `<sip:busy@${HOST}>`), ack);
    const final = ex.responses.find((m) => (statusOf(m) ?? 0) >= 200);
    const problems: string[] = [];
    if (final?.startLine !== 'SIP/2.0 486 Busy Here') problems.push(`final response "${final?.startLine ?? 'none within 5 s'}", expected "SIP/2.0 486 Busy Here"`);
    if (final) {
      problems.push(...echoProblems(final, branch, fromTag, callId, '1 INVITE'));
      if (!/^\d+/.test(hdr(final, 'retry-after') ?? '')) problems.push(`486 without Retry-After (got "${hdr(final, 'retry-after') ?? ''}")`);
    }
    problems.push(...expectCodes(`INVITE ${callId}`, await server.codesWhen(1, callId, 'INVITE'), [486]));
    problems.push(...server.transportProblems(callId, 'tls'));
    record(`${tag}  INVITE sip:busy@${HOST} -> 486 Busy Here with Retry-After, ACK`, problems, () => [ex.responses.map(brief).join('\n'), `s_client stderr:\n${ex.stderr.slice(-2000)}`, server.evidence([callId])]);
  }
}
