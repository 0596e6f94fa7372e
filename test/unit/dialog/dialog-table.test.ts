import { describe, expect, it } from 'vitest';
import { DialogTable, type DialogMediaSink, type MediaPlan } from '../../../src/dialog/dialog-table.js';
import { Deadlines } from '../../../src/util/deadlines.js';
import { FakeClock } from '../transaction/fake-clock.js';

/** Records what dialogs ask of the media service. */
function sink(): DialogMediaSink & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    start: (port, remote, echo) => calls.push(`start ${port} ${remote === undefined ? '-' : `${remote.address}:${remote.port}`} ${echo ? 'echo' : 'quiet'}`),
    confirm: (port) => calls.push(`confirm ${port}`),
    stop: (port) => calls.push(`stop ${port}`),
  };
}

const plan = (port: number, awaitingAnswer = false): MediaPlan => ({
  media: { sessionId: 9, version: 1, session: 'v=0\r\n', port, awaitingAnswer },
  remote: awaitingAnswer ? undefined : { address: '192.0.2.1', port: 4000 },
  echo: true,
});

function table(max = 10) {
  const clock = new FakeClock();
  const deadlines = new Deadlines(clock);
  const media = sink();
  const dialogs = new DialogTable(max, 3_600_000, deadlines, { ackTimeoutMs: 32_000, media });
  return { clock, deadlines, media, dialogs };
}

describe('dialog table media (RFC 3261 §12, §13.3.1.4, §15.1.2)', () => {
  it('starts media with the dialog, confirms it at the ACK and stops it when a BYE ends the dialog', () => {
    const { dialogs, media } = table();
    dialogs.create('c1', 'l', 'r', 1, () => undefined, plan(40000));
    expect(dialogs.get('c1', 'l', 'r')?.media?.port).toBe(40000);
    dialogs.ack('c1', 'l', 'r');
    dialogs.end('c1', 'l', 'r');
    expect(media.calls).toEqual(['start 40000 192.0.2.1:4000 echo', 'confirm 40000', 'stop 40000']);
  });

  it('ends a dialog whose 2xx is never ACKed after 64*T1, and its media (§13.3.1.4)', () => {
    const { dialogs, media, clock } = table();
    dialogs.create('c1', 'l', 'r', 1, () => undefined, plan(40000));
    clock.tick(31_999);
    expect(dialogs.size).toBe(1);
    clock.tick(1);
    expect(dialogs.size).toBe(0);
    expect(media.calls).toEqual(['start 40000 192.0.2.1:4000 echo', 'stop 40000']);
  });

  it('keeps an ACKed dialog past 64*T1, and ends a re-INVITE 2xx never ACKed', () => {
    const { dialogs, clock } = table();
    dialogs.create('c1', 'l', 'r', 1, () => undefined, plan(40000));
    dialogs.ack('c1', 'l', 'r');
    clock.tick(100_000);
    expect(dialogs.size).toBe(1);
    dialogs.update('c1', 'l', 'r', { remoteCSeq: 2, awaitingAck: true, onAck: () => undefined }, plan(40000));
    clock.tick(32_000);
    expect(dialogs.size).toBe(0);
  });

  it('points media at the answer an ACK carries after our 2xx offered (RFC 3261 §13.2.1)', () => {
    const { dialogs, media } = table();
    dialogs.create('c1', 'l', 'r', 1, () => undefined, plan(40002, true));
    dialogs.ack('c1', 'l', 'r', 'v=0\r\nc=IN IP4 192.0.2.50\r\nm=audio 7000 RTP/AVP 18\r\n');
    dialogs.ack('c1', 'l', 'r', 'v=0\r\nc=IN IP4 192.0.2.99\r\nm=audio 9 RTP/AVP 18\r\n');
    expect(media.calls).toEqual(['start 40002 - echo', 'start 40002 192.0.2.50:7000 echo', 'confirm 40002', 'confirm 40002']);
    expect(dialogs.get('c1', 'l', 'r')?.media?.awaitingAnswer).toBe(false);
  });

  it('stops media when a dialog expires, is evicted or the table is cleared', () => {
    const { dialogs, media, clock } = table(1);
    dialogs.create('c1', 'l', 'r', 1, () => undefined, plan(40000));
    dialogs.create('c2', 'l', 'r', 1, () => undefined, plan(40002));
    dialogs.ack('c2', 'l', 'r');
    clock.tick(3_600_000);
    dialogs.create('c3', 'l', 'r', 1, () => undefined, plan(40004));
    dialogs.clear();
    expect(media.calls.filter((c) => c.startsWith('stop'))).toEqual(['stop 40000', 'stop 40002', 'stop 40004']);
  });

  it('evicts the oldest dialog when full and counts it; a re-created dialog counts as new, once', () => {
    const { dialogs, deadlines } = table(2);
    dialogs.create('c1', 'l', 'r', 1, () => undefined);
    dialogs.create('c2', 'l', 'r', 1, () => undefined);
    dialogs.create('c1', 'l', 'r', 2, () => undefined); // the same dialog again: no eviction
    expect(dialogs.evictions).toBe(0);
    dialogs.create('c3', 'l', 'r', 1, () => undefined);
    expect(dialogs.evictions).toBe(1);
    expect(dialogs.has('c2', 'l', 'r')).toBe(false);
    expect(dialogs.has('c1', 'l', 'r')).toBe(true);
    expect(dialogs.has('c3', 'l', 'r')).toBe(true);
    // Each dialog left holds its TTL and its ACK wait, nothing more.
    expect(deadlines.size).toBe(4);
    dialogs.clear();
    expect(deadlines.size).toBe(0);
  });

  it('forgets a dialog at its TTL with no BYE, and with it every deadline it held', () => {
    const { dialogs, deadlines, clock } = table();
    dialogs.create('c1', 'l', 'r', 1, () => undefined);
    dialogs.ack('c1', 'l', 'r');
    expect(deadlines.size).toBe(1);
    clock.tick(3_599_999);
    expect(dialogs.size).toBe(1);
    clock.tick(1);
    expect(dialogs.size).toBe(0);
    expect(deadlines.size).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
