import { describe, expect, it } from 'vitest';
import { BindingTable } from '../../../src/registrar/bindings.js';
import { registrarRule } from '../../../src/rules/registrar.js';
import type { Decision } from '../../../src/rules/rule.js';
import type { HeaderList } from '../../helpers/sip-request.js';
import { requestOf, ruleContext } from '../../helpers/rule-context.js';
import { FakeClock } from '../transaction/fake-clock.js';

function setup(config: Record<string, unknown> = {}) {
  const clock = new FakeClock();
  const table = new BindingTable(clock);
  const ctx = ruleContext({ config, extra: { services: { registrar: table } } });
  let cseq = 0;
  const callId = 'reg-1@test.invalid';
  /** One REGISTER from a single UA: one Call-ID, CSeq rising (§10.2.4). */
  function register(headers: HeaderList = {}, opts: { to?: string; cseq?: number; callId?: string } = {}): Decision {
    cseq = opts.cseq ?? cseq + 1;
    const req = requestOf({
      method: 'REGISTER',
      uri: 'sip:127.0.0.1',
      to: opts.to ?? '<sip:alice@127.0.0.1>',
      from: '<sip:alice@127.0.0.1>;tag=r1',
      callId: opts.callId ?? callId,
      cseq,
      headers,
    });
    const d = registrarRule.check(req, ctx);
    if (d === undefined) throw new Error('the registrar did not answer a REGISTER');
    return d;
  }
  return { clock, table, register };
}

const values = (d: Decision, name: string): string[] => (d.headers ?? []).filter(([n]) => n === name).map(([, v]) => v);

describe('registrar rule (§10.3)', () => {
  it('leaves every other method alone', () => {
    const { table } = setup();
    const ctx = ruleContext({ extra: { services: { registrar: table } } });
    expect(registrarRule.check(requestOf({ method: 'INVITE', uri: 'sip:alice@127.0.0.1' }), ctx)).toBeUndefined();
  });

  it.each([
    ['an unknown To user', '<sip:nobody@127.0.0.1>'],
    ['a configured user without a password', '<sip:busy@127.0.0.1>'],
    ['a To without a user part', '<sip:127.0.0.1>'],
    ['a tel: To', '<tel:+15551234567>'],
  ])('answers 404 to a REGISTER for %s: not an address-of-record it keeps (§10.3 step 5)', (_what, to) => {
    expect(setup().register({ Contact: '<sip:x@192.0.2.1>' }, { to }).status).toBe(404);
  });

  it('binds a Contact and answers 200 listing it with expires and a Date (§10.3 steps 7, 8)', () => {
    const d = setup().register({ Contact: '<sip:alice@192.0.2.1:5070>;q=0.7', Expires: '600' });
    expect(d.status).toBe(200);
    expect(values(d, 'Contact')).toEqual(['<sip:alice@192.0.2.1:5070>;q=0.7;expires=600']);
    expect(values(d, 'Date')).toEqual(['Thu, 01 Jan 1970 00:00:00 GMT']);
  });

  it('matches the address-of-record by the unescaped To user (§19.1.4)', () => {
    expect(setup().register({ Contact: '<sip:alice@192.0.2.1>' }, { to: '<sip:%61lice@127.0.0.1>' }).status).toBe(200);
  });

  it.each([
    ['the Contact expires parameter over the Expires header', { Contact: '<sip:a@192.0.2.1>;expires=120', Expires: '300' }, 120],
    ['the Expires header when the Contact has none', { Contact: '<sip:a@192.0.2.1>', Expires: '300' }, 300],
    ['registrar.defaultExpires when neither is given', { Contact: '<sip:a@192.0.2.1>' }, 3600],
    ['registrar.maxExpires for anything longer', { Contact: '<sip:a@192.0.2.1>', Expires: '999999' }, 7200],
  ])('grants %s (§10.3 step 7)', (_what, headers, want) => {
    expect(values(setup().register(headers), 'Contact')).toEqual([`<sip:a@192.0.2.1>;expires=${want}`]);
  });

  it.each([
    ['Expires header', { Contact: '<sip:a@192.0.2.1>', Expires: '30' }],
    ['Contact expires parameter', { Contact: '<sip:a@192.0.2.1>;expires=1, <sip:b@192.0.2.1>' }],
  ])('answers 423 with Min-Expires to a %s below registrar.minExpires, binding nothing (§10.3 step 7)', (_what, headers) => {
    const { register, table } = setup();
    const d = register(headers);
    expect(d.status).toBe(423);
    expect(values(d, 'Min-Expires')).toEqual(['60']);
    expect(table.size).toBe(0);
  });

  it('answers a REGISTER without Contact with the current bindings: a query (§10.3 step 6, §10.2.3)', () => {
    const { register, clock } = setup();
    register({ Contact: '<sip:a@192.0.2.1>, <sip:b@192.0.2.1>', Expires: '120' });
    clock.tick(20_000);
    const d = register();
    expect(d.status).toBe(200);
    expect(values(d, 'Contact')).toEqual(['<sip:a@192.0.2.1>;expires=100', '<sip:b@192.0.2.1>;expires=100']);
    expect(values(d, 'Date')).toEqual(['Thu, 01 Jan 1970 00:00:20 GMT']);
  });

  it('removes one binding with expires 0 and lists the rest (§10.3 step 7, §10.2.2)', () => {
    const { register } = setup();
    register({ Contact: '<sip:a@192.0.2.1>, <sip:b@192.0.2.1>', Expires: '120' });
    expect(values(register({ Contact: '<sip:a@192.0.2.1>;expires=0' }), 'Contact')).toEqual(['<sip:b@192.0.2.1>;expires=120']);
  });

  it('removes every binding with Contact * and Expires 0 (§10.3 step 6, §10.2.2)', () => {
    const { register, table } = setup();
    register({ Contact: '<sip:a@192.0.2.1>, <sip:b@192.0.2.1>' });
    const d = register({ Contact: '*', Expires: '0' });
    expect([d.status, values(d, 'Contact')]).toEqual([200, []]);
    expect(table.size).toBe(0);
  });

  it.each([
    ['no Expires', { Contact: '*' }],
    ['Expires 60', { Contact: '*', Expires: '60' }],
  ])('answers 400 to Contact * with %s (§10.3 step 6)', (_what, headers) => {
    const d = setup().register(headers);
    expect(d.status).toBe(400);
    expect(d.reason).toBe('Contact * Requires Expires: 0');
  });

  it('answers 500 to a REGISTER with the same Call-ID and a CSeq not higher than a binding\'s (§10.3 step 7)', () => {
    const { register, table } = setup();
    register({ Contact: '<sip:a@192.0.2.1>' }, { cseq: 5 });
    for (const cseq of [5, 4]) {
      const d = register({ Contact: '<sip:a@192.0.2.1>', Expires: '0' }, { cseq });
      expect([d.status, d.reason]).toEqual([500, 'Out of Order CSeq']);
      expect(register({ Contact: '*', Expires: '0' }, { cseq }).status).toBe(500);
    }
    expect(table.size).toBe(1);
    expect(register({ Contact: '*', Expires: '0' }, { cseq: 6 }).status).toBe(200);
  });

  it('answers 403 when a REGISTER would bind more than registrar.maxContactsPerUser, binding none of it (§10.3 step 4)', () => {
    const { register, table } = setup({ registrar: { maxContactsPerUser: 2 } });
    const d = register({ Contact: '<sip:a@192.0.2.1>, <sip:b@192.0.2.1>, <sip:c@192.0.2.1>' });
    expect([d.status, d.reason]).toEqual([403, 'Too Many Registered Contacts']);
    expect(table.size).toBe(0);
  });
});
