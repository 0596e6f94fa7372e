import { describe, expect, it } from 'vitest';
import { BINDING_OVERHEAD_BYTES, BindingTable, ownCopy } from '../../../src/registrar/bindings.js';
import { registrarRule } from '../../../src/rules/registrar.js';
import type { Decision } from '../../../src/rules/rule.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';
import { FakeClock } from '../transaction/fake-clock.js';

function setup(config: Record<string, unknown> = {}) {
  const table = new BindingTable(new FakeClock());
  const ctx = ruleContext({ config, extra: { services: { registrar: table } } });
  let cseq = 0;
  function register(contact: string, user = 'alice'): Decision {
    cseq++;
    const req = requestOf({ method: 'REGISTER', uri: 'sip:127.0.0.1', to: `<sip:${user}@127.0.0.1>`, from: `<sip:${user}@127.0.0.1>;tag=r1`, callId: 'reg-bytes@test.invalid', cseq, headers: { Contact: contact, Expires: '600' } });
    const d = registrarRule.check(req, ctx);
    if (d === undefined) throw new Error('the registrar did not answer a REGISTER');
    return d;
  }
  return { table, register };
}

/** A Contact value of exactly `n` bytes as the registrar stores it (`<uri>`). */
const contactOf = (n: number, tag = 'a') => `<sip:${tag}${'x'.repeat(n - 21 - tag.length)}@192.0.2.1:5070>`;

describe('registrar size limits (§10.3 step 4, §20.10)', () => {
  it('binds a Contact of registrar.maxContactBytes and answers 403 to one byte more, binding nothing', () => {
    const { table, register } = setup({ registrar: { maxContactBytes: 100 } });
    expect(contactOf(100)).toHaveLength(100);
    expect(register(contactOf(101)).status).toBe(403);
    expect(register(contactOf(101)).reason).toBe('Contact Too Long');
    expect(table.size).toBe(0);
    expect(register(contactOf(100)).status).toBe(200);
    expect(table.size).toBe(1);
  });

  it('answers 403 when a user\'s bindings would go over registrar.maxBytesPerUser, and keeps the old ones', () => {
    const per = BINDING_OVERHEAD_BYTES + 2 * 100 - 2 + 'reg-bytes@test.invalid'.length; // contact + URI (no <>) + Call-ID
    const { table, register } = setup({ registrar: { maxBytesPerUser: 2 * per } });
    expect(register(contactOf(100, 'a')).status).toBe(200);
    expect(register(contactOf(100, 'b')).status).toBe(200);
    expect(table.bytes).toBe(2 * per);
    const d = register(contactOf(100, 'c'));
    expect([d.status, d.reason]).toEqual([403, 'Registered Contacts Too Large']);
    expect(table.current('alice')).toHaveLength(2);
  });

  it('answers 503 with Retry-After when the whole table would go over limits.memory.bindingsBytes', () => {
    const per = BINDING_OVERHEAD_BYTES + 2 * 100 - 2 + 'reg-bytes@test.invalid'.length;
    const { table, register } = setup({ limits: { memory: { bindingsBytes: per } } });
    expect(register(contactOf(100, 'a'), 'alice').status).toBe(200);
    const d = register(contactOf(100, 'b'), 'bob');
    expect([d.status, d.reason, d.headers]).toEqual([503, 'Registrar Full', [['Retry-After', '60']]]);
    expect(table.bytes).toBe(per);
    table.close();
    expect(table.bytes).toBe(0);
  });

  it('copies a string out of the text it was sliced from', () => {
    const text = `Contact: <sip:${'x'.repeat(200)}@h>\r\n`;
    const slice = text.slice(9, 30);
    expect(ownCopy(slice)).toBe(slice);
  });
});
