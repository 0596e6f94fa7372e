import { describe, expect, it } from 'vitest';
import { DIALOG_OVERHEAD_BYTES, DialogTable, type DialogMediaSink, type MediaPlan } from '../../../src/dialog/dialog-table.js';
import { Deadlines } from '../../../src/util/deadlines.js';
import { FakeClock } from '../transaction/fake-clock.js';

function sink(): DialogMediaSink & { calls: string[] } {
  const calls: string[] = [];
  return { calls, start: (port) => calls.push(`start ${port}`), confirm: (port) => calls.push(`confirm ${port}`), stop: (port) => calls.push(`stop ${port}`) };
}

const plan = (port: number, session = 'v=0\r\n'): MediaPlan => ({
  media: { sessionId: 9, version: 1, session, port, awaitingAnswer: false },
  remote: { address: '192.0.2.1', port: 4000 },
  echo: true,
});

function table(maxBytes: number) {
  const clock = new FakeClock();
  const deadlines = new Deadlines(clock);
  const media = sink();
  const dialogs = new DialogTable(1000, 3_600_000, deadlines, { ackTimeoutMs: 32_000, media, maxBytes });
  return { clock, deadlines, media, dialogs };
}

/** Bytes of one dialog with Call-ID `c`, tags 'l' and 'r' and the SDP session 'v=0\r\n'. */
const cost = (c: string) => DIALOG_OVERHEAD_BYTES + c.length + 4 + 5;

describe('dialog table byte budget (limits.memory.dialogsBytes)', () => {
  it('charges each dialog its key and SDP, ends the oldest when over, and counts it', () => {
    const { dialogs, media } = table(2 * cost('c1'));
    dialogs.create('c1', 'l', 'r', 1, () => undefined, plan(40000));
    dialogs.create('c2', 'l', 'r', 1, () => undefined, plan(40002));
    expect(dialogs.bytes).toBe(2 * cost('c1'));
    dialogs.create('c3', 'l', 'r', 1, () => undefined, plan(40004));
    expect(dialogs.has('c1', 'l', 'r')).toBe(false);
    expect(dialogs.has('c3', 'l', 'r')).toBe(true);
    expect(dialogs.evictions).toBe(1);
    expect(media.calls).toEqual(['start 40000', 'start 40002', 'stop 40000', 'start 40004']);
    dialogs.update('c3', 'l', 'r', {}, plan(40004, 'v=0\r\ns=-\r\n'));
    expect(dialogs.bytes).toBe(2 * cost('c1') + 5);
    dialogs.end('c2', 'l', 'r');
    dialogs.end('c3', 'l', 'r');
    expect(dialogs.bytes).toBe(0);
  });

  it('keeps the fields exactly, read back from its own flattened key', () => {
    const text = `Call-ID: ${'x'.repeat(100)}@host\r\nFrom: <sip:a@b>;tag=remote-tag-123456\r\n`;
    const callId = text.slice(9, 9 + 105);
    const { dialogs } = table(1_000_000);
    dialogs.create(callId, 'local-tag-abcdef', 'remote-tag-123456', 7, () => undefined);
    const d = dialogs.get(callId, 'local-tag-abcdef', 'remote-tag-123456');
    expect([d?.callId, d?.localTag, d?.remoteTag, d?.remoteCSeq]).toEqual([callId, 'local-tag-abcdef', 'remote-tag-123456', 7]);
  });

  it('ends a dialog whose 2xx is never ACKed at 64·T1 and frees its media port (RFC 3261 §13.3.1.4)', () => {
    const { dialogs, media, clock, deadlines } = table(1_000_000);
    dialogs.create('c1', 'l', 'r', 1, () => undefined, plan(40000));
    clock.tick(31_999);
    expect(dialogs.has('c1', 'l', 'r')).toBe(true);
    clock.tick(1);
    expect(dialogs.has('c1', 'l', 'r')).toBe(false);
    expect(media.calls).toEqual(['start 40000', 'stop 40000']);
    expect(dialogs.bytes).toBe(0);
    expect(deadlines.size).toBe(0);
  });
});
