/**
 * The workers' shared state (src/cluster/shared-state.ts) and the response gate (core/response-gate.ts),
 * in one process: replicas fed by a hand-driven primary, the core answering through the gate. The
 * clocks are fake; promises are settled by the test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SharedState, type StateOp } from '../../../src/cluster/shared-state.js';
import { fromWorker, globalId, mergeEntries } from '../../../src/cluster/control.js';
import { ResponseGate } from '../../../src/core/response-gate.js';
import { createCore, type SipCore } from '../../../src/core/sip-core.js';
import type { EntryJson } from '../../../src/journal/query.js';
import { parseUri } from '../../../src/sip/parse-uri.js';
import type { StubInput } from '../../../src/stubs/stub-schema.js';
import { testConfig } from '../../helpers/config.js';
import { fakeFlow } from '../../helpers/fake-flow.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { buildRequest } from '../../helpers/sip-request.js';
import { FakeClock } from '../transaction/fake-clock.js';

const flush = () => new Promise((r) => setImmediate(r));

/** A primary and `n` replicas: every op a replica emits is applied by the primary and then by every replica, in one order. */
function cluster(n: number, rules: readonly StubInput[] = []) {
  const clock = new FakeClock();
  const sent: { from: number; op: StateOp }[] = [];
  const primary = new SharedState(() => Promise.resolve(), () => rules, () => {}, clock);
  const replicas = Array.from({ length: n }, (_, i) => new SharedState((op) => (sent.push({ from: i, op }), Promise.resolve()), () => rules, () => {}, clock));
  /** Deliver what the replicas sent, as the primary would. */
  const deliver = () => {
    for (const { op } of sent.splice(0)) {
      const out = primary.apply(op);
      for (const r of replicas) r.apply(out);
    }
  };
  return { clock, primary, replicas, sent, deliver };
}

const contact = (port: number) => ({ uri: parseUri(`sip:alice@127.0.0.1:${port}`)!, contact: `<sip:alice@127.0.0.1:${port}>`, expires: 60 });

describe('shared state across workers', () => {
  it('a binding made on one replica reaches every other with its absolute expiry, and expires there on time', () => {
    const { clock, replicas, sent, deliver } = cluster(2);
    const [a, b] = replicas as [SharedState, SharedState];
    clock.tick(1000);
    a.registrar.update('alice', { callId: 'c1', cseq: 1 }, [contact(5070)], 5);
    expect(sent).toEqual([{ from: 0, op: { k: 'aor', aor: 'alice', records: [{ uri: 'sip:alice@127.0.0.1:5070', contact: '<sip:alice@127.0.0.1:5070>', callId: 'c1', cseq: 1, expiresAt: 61_000 }] } }]);
    expect(b.registrar.current('alice')).toEqual([]);
    deliver();
    clock.tick(30_000);
    expect(b.registrar.current('alice').map((x) => [x.contact, x.expires])).toEqual([['<sip:alice@127.0.0.1:5070>', 30]]);
    // §10.3 step 7 on the other replica: the same Contact and Call-ID with a CSeq not higher is out of order.
    expect(b.registrar.update('alice', { callId: 'c1', cseq: 1 }, [contact(5070)], 5)).toEqual({ kind: 'out-of-order' });
    clock.tick(30_000);
    expect(b.registrar.current('alice')).toEqual([]);
    expect(b.registrar.size).toBe(0);
  });

  it('two replicas writing the same address-of-record at once end with the primary\'s order everywhere', () => {
    const { primary, replicas, deliver } = cluster(2);
    const [a, b] = replicas as [SharedState, SharedState];
    a.registrar.update('alice', { callId: 'ca', cseq: 1 }, [contact(1)], 5);
    b.registrar.update('alice', { callId: 'cb', cseq: 1 }, [contact(2)], 5);
    deliver();
    const view = (s: SharedState) => s.registrar.current('alice').map((x) => x.contact);
    expect(view(primary)).toEqual(['<sip:alice@127.0.0.1:2>']);
    expect(view(a)).toEqual(view(primary));
    expect(view(b)).toEqual(view(primary));
  });

  it('matches counted on two replicas add up at the primary, and a stub spent on one is gone on both', () => {
    const { primary, replicas, deliver } = cluster(2);
    const [a, b] = replicas as [SharedState, SharedState];
    const stub = primary.stubs.store.add({ match: { method: 'INVITE' }, respond: { code: 486 }, times: 2 }, 10);
    for (const r of replicas) r.apply({ k: 'stub', stub });
    expect(a.stubs.store.hit(stub.id)).toBe(1);
    expect(b.stubs.store.hit(stub.id)).toBe(1);
    deliver();
    // The second count reached 2 = times: the API stub expires everywhere (stub-store.ts).
    expect([primary.stubs.store.get(stub.id), a.stubs.store.get(stub.id), b.stubs.store.get(stub.id)]).toEqual([undefined, undefined, undefined]);
  });

  it('a snapshot gives a starting worker the stubs, their counts, the scenarios and the bindings', () => {
    const rules: StubInput[] = [{ name: 'configured', match: { method: 'OPTIONS' }, respond: { code: 403 }, times: 1 }];
    const { clock, primary } = cluster(0, rules);
    const stub = primary.stubs.store.add({ match: { method: 'INVITE' }, respond: { code: 486 } }, 10);
    primary.apply({ k: 'hit', id: stub.id });
    primary.apply({ k: 'hit', id: 'rule#0' });
    primary.stubs.scenarios.set('flow', 'moved');
    primary.registrar.update('alice', { callId: 'c', cseq: 1 }, [contact(9)], 5);
    const fresh = new SharedState(() => Promise.resolve(), () => rules, () => {}, clock);
    fresh.load(JSON.parse(JSON.stringify(primary.snapshot())));
    expect(fresh.stubs.store.list().map((s) => [s.id, s.matches])).toEqual([[stub.id, 1]]);
    expect(fresh.stubs.scenarios.list()).toEqual({ flow: 'moved' });
    expect(fresh.registrar.current('alice').map((x) => x.contact)).toEqual(['<sip:alice@127.0.0.1:9>']);
  });

  it('a reset returns every replica to the configured start and clears what the caller keeps', () => {
    let cleared = 0;
    const s = new SharedState(() => Promise.resolve(), () => [], () => cleared++, new FakeClock());
    s.stubs.store.add({ respond: { code: 486 } }, 10);
    s.stubs.scenarios.set('x', 'y');
    s.registrar.update('alice', { callId: 'c', cseq: 1 }, [contact(9)], 5);
    s.apply({ k: 'reset' });
    expect([s.stubs.store.list(), s.stubs.scenarios.list(), s.registrar.size, cleared]).toEqual([[], {}, 0, 1]);
  });
});

describe('merged journal ids', () => {
  it('carry the worker index, so ids of two workers never collide, and a retransmission points into its own worker', () => {
    expect(globalId(7, 0)).toBe(7168);
    expect(globalId(7, 1)).toBe(7169);
    const e = { id: 3, time: '2026-01-01T00:00:00.002Z', retransmissionOf: 2 } as EntryJson;
    expect(fromWorker(e, 1)).toMatchObject({ id: 3073, retransmissionOf: 2049, worker: 1 });
    const older = { id: 9, time: '2026-01-01T00:00:00.001Z', retransmissionOf: null } as EntryJson;
    const merged = mergeEntries(new Map<number, unknown>([[1, [e]], [0, [older]]]), 1);
    expect(merged.map((m) => [m.id, m.worker])).toEqual([[9216, 0]]);
  });
});

const cores: SipCore[] = [];
afterEach(() => {
  for (const c of cores.splice(0)) c.close();
});

describe('responses wait for replication (core/response-gate.ts)', () => {
  it('a request whose stub moved a scenario is answered only once the change is acknowledged; one that changed nothing at once', async () => {
    let release: () => void = () => {};
    const gate = new ResponseGate();
    const state = new SharedState(
      (op) => {
        const acked = new Promise<void>((r) => (release = r));
        if (op.k === 'scenario') gate.hold(acked);
        return acked;
      },
      () => [],
      () => {},
      new FakeClock(),
    );
    state.stubs.store.add({ match: { method: 'OPTIONS', user: '^flip$' }, scenario: { name: 's', newState: 'on' } }, 10);
    const core = createCore({ config: () => testConfig(), logger: memoryLogger().logger, identities: () => new Set(['127.0.0.1']), clock: new FakeClock(), shared: { stubs: state.stubs, gate } });
    cores.push(core);
    const plain = fakeFlow();
    core.handle(buildRequest({ uri: 'sip:486@127.0.0.1' }), plain);
    expect(plain.responses().map((r) => r.status)).toEqual([486]);

    const flow = fakeFlow();
    core.handle(buildRequest({ method: 'OPTIONS', uri: 'sip:flip@127.0.0.1', to: '<sip:flip@127.0.0.1>' }), flow);
    await flush();
    expect(flow.sent).toHaveLength(0);
    release();
    await flush();
    expect(flow.responses().map((r) => r.status)).toEqual([404]);
    expect(state.stubs.scenarios.state('s')).toBe('on');
  });

  it('a failed acknowledgement still lets the response go', async () => {
    const gate = new ResponseGate();
    const flow = fakeFlow();
    const wrapped = gate.enter(flow);
    gate.hold(Promise.reject(new Error('primary gone')));
    gate.leave();
    gate.hold(new Promise(() => {})); // outside a request: holds nothing
    wrapped.send(Buffer.from('SIP/2.0 200 OK\r\n\r\n'), { address: '127.0.0.1', port: 5070 });
    expect(flow.sent).toHaveLength(0);
    await flush();
    expect(flow.sent.map((s) => s.data.toString())).toEqual(['SIP/2.0 200 OK\r\n\r\n']);
  });
});
