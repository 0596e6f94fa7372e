import { describe, expect, it } from 'vitest';
import { stubProblems, stubSchema, type StubInput } from '../../../src/stubs/stub-schema.js';
import { MemoryStubStore, StubLimitError } from '../../../src/stubs/stub-store.js';
import { Stubs } from '../../../src/stubs/stubs.js';
import { fakeFlow } from '../../helpers/fake-flow.js';
import { requestOf } from '../../helpers/rule-context.js';

const stub = (s: Partial<StubInput> & { name: string }): StubInput => ({ respond: { code: 486 }, ...s });

describe('the stub store', () => {
  it('orders by priority (default 5), newest first among equals; configured rules keep file order below API stubs of equal priority', () => {
    const store = new MemoryStubStore();
    store.configure([stub({ name: 'c0' }), stub({ name: 'c1' }), stub({ name: 'c2', priority: 1 })]);
    store.add(stub({ name: 'a1' }), 10);
    store.add(stub({ name: 'a2', priority: 9 }), 10);
    store.add(stub({ name: 'a3' }), 10);
    expect(store.list().map((s) => s.stub.name)).toEqual(['c2', 'a3', 'a1', 'c0', 'c1', 'a2']);
    expect(store.list().map((s) => s.id).slice(0, 1)).toEqual(['rule#2']);
  });

  it('refuses a stub past the limit, configured ones counted', () => {
    const store = new MemoryStubStore();
    store.configure([stub({ name: 'c0' })]);
    store.add(stub({ name: 'a1' }), 2);
    expect(() => store.add(stub({ name: 'a2' }), 2)).toThrow(StubLimitError);
  });

  it('expires a stub after `times` matches: an API stub is removed, a configured one sleeps until reset', () => {
    const stubs = new Stubs();
    const rules = [stub({ name: 'c', times: 1, match: { method: 'OPTIONS' } })];
    stubs.store.add(stub({ name: 'a', times: 2, match: { method: 'INVITE' } }), 10);
    const flow = fakeFlow();
    const invite = requestOf();
    const options = requestOf({ method: 'OPTIONS' });
    expect([stubs.match(invite, flow, rules)?.label, stubs.match(invite, flow, rules)?.label, stubs.match(invite, flow, rules)]).toEqual(['a', 'a', undefined]);
    expect([stubs.match(options, flow, rules)?.label, stubs.match(options, flow, rules)]).toEqual(['c', undefined]);
    expect(stubs.store.list()).toEqual([]);
    stubs.reset(rules);
    expect(stubs.match(options, flow, rules)?.label).toBe('c');
  });

  it('takes a new configuration (a reload) as new configured stubs with fresh counts', () => {
    const stubs = new Stubs();
    const flow = fakeFlow();
    const first = [stub({ name: 'old', times: 1 })];
    expect(stubs.match(requestOf(), flow, first)?.label).toBe('old');
    expect(stubs.match(requestOf(), flow, first)).toBeUndefined();
    const reloaded = [stub({ name: 'new', times: 1 })];
    expect(stubs.match(requestOf(), flow, reloaded)?.label).toBe('new');
  });
});

describe('the stub schema', () => {
  it('names the closest branch of a union: a response with a bad code, a fault that does not exist', () => {
    const bad = stubSchema.safeParse({ respond: [{ code: 486 }, { code: 486, delayMs: -1 }, { fault: 'explode' }] });
    expect(bad.success).toBe(false);
    if (!bad.success) {
      expect(stubProblems(bad.error)).toEqual([
        'respond.1.delayMs: Too small: expected number to be >=0',
        'respond.2.fault: Invalid option: expected one of "drop"|"provisional-only"|"close"|"malformed"',
      ]);
    }
  });

  it('wants respond or a scenario newState: a stub must do something', () => {
    const r = stubSchema.safeParse({ match: { method: 'INVITE' } });
    expect(r.success ? [] : stubProblems(r.error)).toEqual(['(stub): needs respond, or a scenario newState to move']);
    expect(stubSchema.safeParse({ scenario: { name: 's', newState: 'x' } }).success).toBe(true);
  });

  it('bounds every string and list: a 2 KiB regex, 17 headers and 33 sequence steps are refused', () => {
    const headers = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`X-H${i}`, 'v']));
    const r = stubSchema.safeParse({ match: { callId: 'a'.repeat(2048) }, respond: [...Array.from({ length: 33 }, () => ({ code: 486, headers }))] });
    expect(r.success ? [] : stubProblems(r.error).map((p) => p.split(':')[0])).toEqual(expect.arrayContaining(['match.callId', 'respond']));
  });
});
