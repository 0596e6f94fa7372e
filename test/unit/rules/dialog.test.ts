import { describe, expect, it } from 'vitest';
import { dialogRule } from '../../../src/rules/dialog.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';

const inDialog = { to: '<sip:bob@127.0.0.1>;tag=ours', from: '<sip:alice@127.0.0.1>;tag=theirs', callId: 'dlg1@test' };

describe('dialog rule (RFC 3261 §12.2.2)', () => {
  it.each(['INVITE', 'BYE', 'INFO', 'UPDATE', 'NOTIFY'])('answers 481 to an in-dialog %s matching no dialog (§12.2.2)', (method) => {
    expect(dialogRule.check(requestOf({ method, ...inDialog }), ruleContext())).toMatchObject({ status: 481 });
  });

  it('lets a request without a To tag through: it is not in a dialog (§12)', () => {
    expect(dialogRule.check(requestOf({ method: 'BYE' }), ruleContext())).toBeUndefined();
  });

  it.each(['CANCEL', 'ACK'])('leaves an in-dialog %s to the transaction layer (§9.2, §17)', (method) => {
    expect(dialogRule.check(requestOf({ method, ...inDialog }), ruleContext())).toBeUndefined();
  });
});
