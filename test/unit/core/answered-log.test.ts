/**
 * What a tester reads in the log: the `answered` line names the request and the rule that chose
 * the answer, every field bounded; at debug level the raw messages in and out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/admin/metrics.js';
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

function core(level: 'info' | 'debug', config: ConfigOverrides = {}) {
  const log = memoryLogger(level);
  const metrics = createMetrics();
  const c = createCore({
    config: () => testConfig(config),
    logger: log.logger,
    identities: () => new Set(['127.0.0.1']),
    clock: new FakeClock(),
    tagKey: Buffer.alloc(16, 42),
    observer: metrics.observer,
  });
  cores.push(c);
  const send = (data: Buffer) => {
    const flow = fakeFlow({ remote: { address: '192.0.2.7', port: 5071 } });
    c.handle(data, flow);
    return flow;
  };
  return { log, metrics, send };
}

const FROM = '"Carol" <sip:carol@192.0.2.7>;tag=f1';

describe('the answered log line', () => {
  it('names the Request-URI, the From and To users, the source and the rule', () => {
    const { log, send } = core('info');
    send(buildRequest({ method: 'INVITE', uri: 'sip:486@127.0.0.1;user=phone', from: FROM, to: '<sip:486@127.0.0.1>', callId: 'c1@x' }));
    expect(log.withMsg('answered')).toEqual([
      {
        level: 30,
        msg: 'answered',
        method: 'INVITE',
        callId: 'c1@x',
        ruri: 'sip:486@127.0.0.1;user=phone',
        fromUser: 'carol',
        toUser: '486',
        src: '192.0.2.7:5071',
        transport: 'udp',
        code: 486,
        rule: 'code-in-uri',
      },
    ]);
  });

  it('names them for a request the parser refused too, read from its raw bytes', () => {
    const { log, send } = core('info');
    const text = buildRequest({ method: 'OPTIONS', uri: 'sip:bob@127.0.0.1', from: FROM, callId: 'c2@x' }).toString('latin1');
    send(Buffer.from(text.replace(/\r\nMax-Forwards: 70/, '\r\nMax-Forwards: many'), 'latin1'));
    expect(log.withMsg('answered')).toEqual([
      {
        level: 30,
        msg: 'answered',
        method: 'OPTIONS',
        callId: 'c2@x',
        ruri: 'sip:bob@127.0.0.1',
        fromUser: 'carol',
        toUser: 'bob',
        src: '192.0.2.7:5071',
        transport: 'udp',
        code: 400,
        reason: 'Malformed Max-Forwards header field',
        rule: 'parser',
      },
    ]);
  });

  it('cuts a 20 KB Call-ID and user at 256 bytes and marks the cut', () => {
    const { log, send } = core('info');
    const callId = 'x'.repeat(20_000);
    const user = 'u'.repeat(1000);
    send(buildRequest({ method: 'OPTIONS', uri: `sip:${user}@127.0.0.1`, from: FROM, to: `<sip:${user}@127.0.0.1>`, callId }));
    const [line] = log.withMsg('answered');
    expect(line?.callId).toBe(`${'x'.repeat(256)}…[+19744 bytes]`);
    expect(line?.toUser).toBe(`${'u'.repeat(256)}…[+744 bytes]`);
    expect(line?.ruri).toBe(`sip:${'u'.repeat(252)}…[+758 bytes]`);
    expect(JSON.stringify(line).length).toBeLessThan(2000);
  });

  it('names a configured rule by its name, or rule#N, in the line and in sip4xx_responses_total', async () => {
    const rules = [
      { name: 'bar-mallory', match: { user: '^mallory$' }, respond: { code: 403, reason: 'Barred' } },
      { match: { user: '^trudy$' }, respond: { code: 480 } },
    ];
    const { log, metrics, send } = core('info', { rules });
    send(buildRequest({ method: 'OPTIONS', uri: 'sip:mallory@127.0.0.1', from: FROM }));
    send(buildRequest({ method: 'OPTIONS', uri: 'sip:trudy@127.0.0.1', from: FROM }));
    expect(log.withMsg('answered').map((l) => [l.code, l.rule])).toEqual([
      [403, 'bar-mallory'],
      [480, 'rule#1'],
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('sip4xx_responses_total{code="403",rule="bar-mallory"} 1');
    expect(text).toContain('sip4xx_responses_total{code="480",rule="rule#1"} 1');
    expect(text).not.toContain('rule="custom"');
  });
});

describe('debug logging of raw messages', () => {
  it('logs each message in and out with direction, transport, peer and its bytes', () => {
    const { log, send } = core('debug');
    const request = buildRequest({ method: 'OPTIONS', uri: 'sip:486@127.0.0.1', from: FROM, callId: 'c3@x' });
    const flow = send(request);
    const response = flow.sent[0]?.data as Buffer;
    expect(log.withMsg('received')).toEqual([
      { level: 20, msg: 'received', dir: 'in', transport: 'udp', peer: '192.0.2.7:5071', bytes: request.length, raw: request.toString('latin1') },
    ]);
    // The default Via has rport: the response goes to the packet's source (RFC 3581).
    expect(log.withMsg('sent')).toEqual([
      { level: 20, msg: 'sent', dir: 'out', transport: 'udp', peer: '192.0.2.7:5071', bytes: response.length, raw: response.toString('latin1') },
    ]);
  });

  it('keeps the first bytes of a larger message that fit 3 KB written as JSON, and marks the cut', () => {
    const { log, send } = core('debug');
    const request = buildRequest({ method: 'MESSAGE', uri: 'sip:486@127.0.0.1', from: FROM, headers: { 'Content-Type': 'text/plain' }, body: 'b'.repeat(6000) });
    send(request);
    const [line] = log.withMsg('received');
    const raw = String(line?.raw);
    const kept = Number(/…\[\+(\d+) bytes\]$/.exec(raw)?.[1]);
    const n = request.length - kept;
    expect(raw).toBe(`${request.toString('latin1', 0, n)}…[+${kept} bytes]`);
    // The cut is on the escaped size: each CRLF of the headers is written as 4 bytes.
    const written = Buffer.byteLength(JSON.stringify(request.toString('latin1', 0, n)));
    expect(written).toBeLessThanOrEqual(3072);
    expect(written).toBeGreaterThan(3072 - 64);
  });

  it('cuts a message of control bytes to fit 3 KB written (6 bytes each as \\u00XX)', () => {
    const { log, send } = core('debug');
    const request = buildRequest({ method: 'MESSAGE', uri: 'sip:486@127.0.0.1', from: FROM, headers: { 'Content-Type': 'text/plain' }, body: '\u0001'.repeat(6000) });
    send(request);
    const lines = log.lines().map((l) => JSON.stringify(l));
    for (const l of lines) expect(Buffer.byteLength(l)).toBeLessThan(4096);
  });

  it('logs no raw message at info level', () => {
    const { log, send } = core('info');
    send(buildRequest({ method: 'OPTIONS', uri: 'sip:486@127.0.0.1', from: FROM }));
    expect(log.withMsg('received')).toEqual([]);
    expect(log.withMsg('sent')).toEqual([]);
  });
});
