import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DialogState } from '../../../src/dialog/dialog-table.js';
import { MediaService } from '../../../src/media/media-service.js';
import { dialogRule } from '../../../src/rules/dialog.js';
import type { RuleContext } from '../../../src/rules/rule.js';
import { FakeClock } from '../transaction/fake-clock.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';
import type { ConfigOverrides } from '../../helpers/config.js';

const inDialog = { to: '<sip:bob@127.0.0.1>;tag=ours', from: '<sip:alice@127.0.0.1>;tag=theirs', callId: 'dlg1@test' };

/** A context holding one confirmed dialog whose last SDP of ours was version 3 of session 42. */
function withDialog(patch: Partial<DialogState> = {}, config: ConfigOverrides = {}): RuleContext {
  const session = 'v=0\r\ns=sip4xx\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40010 RTP/AVP 0\r\na=sendrecv\r\n';
  const state: DialogState = {
    callId: 'dlg1@test',
    localTag: 'ours',
    remoteTag: 'theirs',
    remoteCSeq: 1,
    awaitingAck: false,
    inviteInProgress: false,
    media: { sessionId: 42, version: 3, session, port: 40010, awaitingAnswer: false },
    ...patch,
  };
  const base = ruleContext({ config, dialogs: { get: () => state } });
  return { ...base, services: { media: new MediaService({ clock: new FakeClock(), config: () => base.config }) } } as unknown as RuleContext;
}

const HOLD = 'v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n';

describe('dialog rule (RFC 3261 §12.2.2)', () => {
  it.each(['INVITE', 'BYE', 'INFO', 'UPDATE', 'NOTIFY'])('answers 481 to an in-dialog %s matching no dialog (§12.2.2)', (method) => {
    expect(dialogRule.check(requestOf({ method, ...inDialog }), ruleContext())).toMatchObject({ status: 481 });
  });

  it('answers 481 to a BYE without a To tag: it matches no dialog (§15.1.2)', () => {
    expect(dialogRule.check(requestOf({ method: 'BYE' }), ruleContext())).toEqual({ status: 481, headers: undefined, reason: undefined });
  });

  it.each(['INVITE', 'OPTIONS', 'INFO'])('lets a %s without a To tag through: it is not in a dialog (§12)', (method) => {
    expect(dialogRule.check(requestOf({ method }), ruleContext())).toBeUndefined();
  });

  it.each(['CANCEL', 'ACK'])('leaves an in-dialog %s to the transaction layer (§9.2, §17)', (method) => {
    expect(dialogRule.check(requestOf({ method, ...inDialog }), ruleContext())).toBeUndefined();
  });

  it('answers a hold re-INVITE recvonly on the dialog port, same session id, version + 1 (RFC 3264 §6.1, §8)', () => {
    const d = dialogRule.check(requestOf({ method: 'INVITE', cseq: 2, ...inDialog, headers: { 'Content-Type': 'application/sdp' }, body: HOLD }), withDialog());
    expect(d?.status).toBe(200);
    expect(d?.dialog).toBeUndefined();
    expect(d?.delayMs).toBeUndefined();
    expect(d?.body?.content).toBe('v=0\r\no=sip4xx 42 4 IN IP4 127.0.0.1\r\ns=sip4xx\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40010 RTP/AVP 0\r\na=recvonly\r\n');
    expect(d?.media).toMatchObject({ media: { sessionId: 42, version: 4, port: 40010 }, remote: { address: '192.0.2.1', port: 4000 }, echo: false });
  });

  it('keeps the version when a re-INVITE changes nothing (RFC 3264 §8)', () => {
    const d = dialogRule.check(requestOf({ method: 'INVITE', cseq: 2, ...inDialog, headers: { 'Content-Type': 'application/sdp' }, body: HOLD.replace('a=sendonly', 'a=sendrecv') }), withDialog());
    expect(String(d?.body?.content).split('\r\n')[1]).toBe('o=sip4xx 42 3 IN IP4 127.0.0.1');
  });

  it('answers an UPDATE without SDP with no body and no media change (RFC 3311 §5.2)', () => {
    const d = dialogRule.check(requestOf({ method: 'UPDATE', cseq: 2, ...inDialog }), withDialog());
    expect(d).toMatchObject({ status: 200, body: undefined, media: undefined });
    expect(d?.dialog).toBeUndefined();
  });

  it('holds a re-INVITE answer back for calls.reinviteMs (§14.2 window; 100 Trying comes from the core)', () => {
    const d = dialogRule.check(requestOf({ method: 'INVITE', cseq: 2, ...inDialog, headers: { 'Content-Type': 'application/sdp' }, body: HOLD }), withDialog({}, { calls: { reinviteMs: 750 } }));
    expect(d).toMatchObject({ status: 200, delayMs: 750 });
  });
});

describe('dialog rule: overlapping and out-of-order requests (RFC 3261 §12.2.2, §14.2)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const reinvite = (cseq: number) => requestOf({ method: 'INVITE', cseq, ...inDialog, headers: { 'Content-Type': 'application/sdp' }, body: HOLD });

  it.each([
    [0, '0'],
    [0.5, '5'],
    [0.9999, '10'],
  ])('answers an INVITE while an earlier one awaits its final 500 with Retry-After between 0 and 10 s (random %f → %s)', (random, seconds) => {
    vi.spyOn(Math, 'random').mockReturnValue(random);
    expect(dialogRule.check(reinvite(3), withDialog({ remoteCSeq: 1, inviteInProgress: true }))).toEqual({ status: 500, headers: [['Retry-After', seconds]], reason: undefined });
  });

  it('answers an INVITE before the ACK of our 2xx with 491 (§14.2)', () => {
    expect(dialogRule.check(reinvite(3), withDialog({ awaitingAck: true }))).toEqual({ status: 491, headers: undefined, reason: undefined });
  });

  it('answers a request with a CSeq below the dialog\'s 500 Out of Order CSeq, without Retry-After (§12.2.2)', () => {
    expect(dialogRule.check(reinvite(4), withDialog({ remoteCSeq: 5, inviteInProgress: true }))).toEqual({ status: 500, headers: undefined, reason: 'Out of Order CSeq' });
  });
});
