/**
 * The primary's hub (src/cluster/hub.ts) with fake workers: the order of changes, who a change waits
 * for, and what a worker's exit releases. No process, no timer runs out.
 */
import type { Worker } from 'node:cluster';
import { describe, expect, it } from 'vitest';
import { Hub } from '../../../src/cluster/hub.js';
import type { ToWorker } from '../../../src/cluster/messages.js';
import { memoryLogger } from '../../helpers/memory-logger.js';

function fakeWorker(): { worker: Worker; inbox: ToWorker[]; connected: { value: boolean } } {
  const inbox: ToWorker[] = [];
  const connected = { value: true };
  const worker = {
    isConnected: () => connected.value,
    // A backlog makes send() return false; the message is still delivered.
    send: (m: ToWorker) => (inbox.push(m), false),
  } as unknown as Worker;
  return { worker, inbox, connected };
}

const settledYet = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('the primary\'s hub', () => {
  it('sends a worker\'s change to every worker, its maker too, in one numbered order, and settles when all applied', async () => {
    const hub = new Hub(() => [], memoryLogger().logger);
    const [a, b] = [fakeWorker(), fakeWorker()];
    hub.join({ index: 0, worker: a.worker });
    hub.join({ index: 1, worker: b.worker });
    const done = hub.fromWorker({ k: 'scenario', name: 's', state: 'on' });
    const second = hub.fromWorker({ k: 'scenario', name: 's', state: 'off' });
    for (const w of [a, b]) {
      expect(w.inbox).toEqual([
        { t: 'apply', seq: 1, op: { k: 'scenario', name: 's', state: 'on' } },
        { t: 'apply', seq: 2, op: { k: 'scenario', name: 's', state: 'off' } },
      ]);
    }
    expect(hub.state.stubs.scenarios.state('s')).toBe('off');
    hub.applied(1, 0);
    expect(await settledYet(done)).toBe(false);
    hub.applied(1, 1);
    expect(await settledYet(done)).toBe(true);
    expect(await settledYet(second)).toBe(false);
  });

  it('a worker that exits is waited for no longer: its pending changes and queries settle with the others', async () => {
    const hub = new Hub(() => [], memoryLogger().logger);
    const [a, b] = [fakeWorker(), fakeWorker()];
    hub.join({ index: 0, worker: a.worker });
    hub.join({ index: 1, worker: b.worker });
    const change = hub.fromWorker({ k: 'clear-stubs' });
    const query = hub.ask({ kind: 'count', query: {} });
    hub.applied(1, 0);
    hub.reply(1, 0, 7);
    b.connected.value = false;
    hub.leave(1);
    expect(await settledYet(change)).toBe(true);
    expect([...(await query)]).toEqual([[0, 7]]);
    // Later changes go to the members left only.
    const next = hub.fromWorker({ k: 'clear-stubs' });
    expect(b.inbox.filter((m) => m.t === 'apply')).toHaveLength(1);
    hub.applied(2, 0);
    expect(await settledYet(next)).toBe(true);
  });

  it('counts a worker\'s match here, sends the count on only for a stub with times, and an API write settles when all hold it', async () => {
    const hub = new Hub(() => [], memoryLogger().logger);
    const a = fakeWorker();
    hub.join({ index: 0, worker: a.worker });
    const stub = hub.state.stubs.store.add({ respond: { code: 486 } }, 10);
    const limited = hub.state.stubs.store.add({ respond: { code: 480 }, times: 5 }, 10);
    expect(await settledYet(hub.settled())).toBe(false);
    hub.applied(1, 0);
    hub.applied(2, 0);
    expect(await settledYet(hub.settled())).toBe(true);
    expect(await settledYet(hub.fromWorker({ k: 'hit', id: stub.id }))).toBe(true);
    void hub.fromWorker({ k: 'hit', id: stub.id });
    void hub.fromWorker({ k: 'hit', id: limited.id });
    expect(hub.state.stubs.store.get(stub.id)?.matches).toBe(2);
    expect(a.inbox.slice(2)).toEqual([{ t: 'apply', seq: 3, op: { k: 'count', id: limited.id, matches: 1 } }]);
  });
});
