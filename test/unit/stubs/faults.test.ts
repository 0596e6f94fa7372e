/**
 * Stub faults and delays through the core on a fake clock (configured rules are stubs too): a
 * transaction that sends no final ends at exactly 64·T1 (Timer H/L, §17.2.1, RFC 6026 §7.1), a
 * malformed final is retransmitted by Timer G only until Timer H, a delayed final waits its delay.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type SipCore } from '../../../src/core/sip-core.js';
import { testConfig, type ConfigOverrides } from '../../helpers/config.js';
import { fakeFlow } from '../../helpers/fake-flow.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { buildRequest } from '../../helpers/sip-request.js';
import { FakeClock } from '../transaction/fake-clock.js';

const cores: SipCore[] = [];
afterEach(() => {
  for (const c of cores.splice(0)) c.close();
});

function setup(overrides: ConfigOverrides) {
  const clock = new FakeClock();
  const config = testConfig(overrides);
  const core = createCore({ config: () => config, logger: memoryLogger('warn').logger, identities: () => new Set(['127.0.0.1']), clock, tagKey: Buffer.alloc(16, 7) });
  cores.push(core);
  const flow = fakeFlow();
  return { clock, core, flow, send: (b: Buffer) => core.handle(b, flow) };
}

const fault = (f: string) => ({ rules: [{ match: { user: '^f$' }, respond: { fault: f } }] });

describe('stub faults on a fake clock', () => {
  it.each(['INVITE', 'MESSAGE'])('drop: a %s gets nothing, its retransmissions nothing, and its transaction ends at 64·T1', (method) => {
    const { clock, core, flow, send } = setup(fault('drop'));
    const req = buildRequest({ method, uri: 'sip:f@127.0.0.1' });
    send(req);
    clock.tick(10_000);
    send(req);
    expect(flow.sent).toEqual([]);
    clock.tick(21_999);
    expect(core.tables.transactions()).toBe(1);
    clock.tick(1);
    expect(core.tables.transactions()).toBe(0);
    expect(flow.sent).toEqual([]);
  });

  it('provisional-only: 100 and 180 to an INVITE, the 180 again for a retransmission, never a final; ends at 64·T1', () => {
    const { clock, core, flow, send } = setup(fault('provisional-only'));
    const req = buildRequest({ uri: 'sip:f@127.0.0.1' });
    send(req);
    send(req);
    expect(flow.responses().map((r) => r.status)).toEqual([100, 180, 180]);
    clock.tick(32_000);
    expect(core.tables.transactions()).toBe(0);
    expect(flow.responses()).toHaveLength(3);
  });

  it('provisional-only to a non-INVITE: 100 Trying alone (§8.2.6.1: no other provisional)', () => {
    const { flow, send } = setup(fault('provisional-only'));
    send(buildRequest({ method: 'OPTIONS', uri: 'sip:f@127.0.0.1' }));
    expect(flow.responses().map((r) => r.status)).toEqual([100]);
  });

  it('close over UDP is a drop: there is no connection to close', () => {
    const { clock, core, flow, send } = setup(fault('close'));
    send(buildRequest({ uri: 'sip:f@127.0.0.1' }));
    expect(flow.sent).toEqual([]);
    clock.tick(32_000);
    expect(core.tables.transactions()).toBe(0);
  });

  it('malformed over UDP: Timer G resends the same broken bytes at T1, 2·T1, 4·T1… until Timer H', () => {
    const { clock, core, flow, send } = setup(fault('malformed'));
    send(buildRequest({ uri: 'sip:f@127.0.0.1' }));
    const times: number[] = [0];
    for (let t = 500; t <= 40_000; t += 500) {
      const before = flow.sent.length;
      clock.tick(500);
      if (flow.sent.length > before) times.push(t);
    }
    // T1, 2·T1, 4·T1, then every T2 (4 s) at most, and nothing at or past 64·T1 = 32 s. (How many of
    // the later ones go out also depends on the source's retransmission credit.)
    expect(times.slice(0, 4)).toEqual([0, 500, 1500, 3500]);
    expect(times.every((t, i) => i < 4 || t - (times[i - 1] ?? 0) === 4000)).toBe(true);
    expect(Math.max(...times)).toBeLessThan(32_000);
    expect(new Set(flow.sent.map((s) => s.data.toString('latin1'))).size).toBe(1);
    expect(core.tables.transactions()).toBe(0);
  });

  it('a delayed final of a sequence step: 100 Trying at once, the final after delayMs, the next request the next step', () => {
    const { clock, flow, send } = setup({ rules: [{ match: { user: '^f$' }, respond: [{ code: 480, delayMs: 2000 }, { code: 603 }] }] });
    send(buildRequest({ uri: 'sip:f@127.0.0.1' }));
    expect(flow.responses().map((r) => r.status)).toEqual([100]);
    clock.tick(1999);
    expect(flow.responses()).toHaveLength(1);
    clock.tick(1);
    expect(flow.responses().map((r) => r.status)).toEqual([100, 480]);
    send(buildRequest({ uri: 'sip:f@127.0.0.1' }));
    expect(flow.responses().map((r) => r.status)).toEqual([100, 480, 603]);
  });
});
