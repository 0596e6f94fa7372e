import { describe, expect, it } from 'vitest';
import { SseHub, type SseSink } from '../../../src/journal/event-stream.js';
import { Journal, type RequestFields } from '../../../src/journal/journal.js';
import { FakeClock } from '../transaction/fake-clock.js';

const FIELDS: RequestFields = { transport: 'udp', address: '127.0.0.1', port: 5070, method: 'OPTIONS', callId: 'c', refused: false };

/** A sink that accepts `room` writes before reporting full, until drain() is called. */
class Sink implements SseSink {
  readonly chunks: string[] = [];
  private drainListener: (() => void) | undefined;
  ended = false;
  constructor(private room: number) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return --this.room > 0;
  }
  once(_e: 'drain', l: () => void): unknown {
    this.drainListener = l;
    return this;
  }
  end(): void {
    this.ended = true;
  }
  drain(room: number): void {
    this.room = room;
    const l = this.drainListener;
    this.drainListener = undefined;
    l?.();
  }
  ids(): string[] {
    return this.chunks.filter((c) => c.startsWith('id: ')).map((c) => c.slice(4, c.indexOf('\n')));
  }
}

function setup(opts: { maxBacklog?: number; maxBacklogBytes?: number; maxClients?: number } = {}) {
  const clock = new FakeClock();
  const journal = new Journal(() => ({ enabled: true, maxEntries: 1000, maxBytes: 1 << 24 }), () => clock.now());
  const hub = new SseHub(journal, clock, { heartbeatMs: 15_000, maxBacklog: 3, maxBacklogBytes: 1 << 20, maxClients: 4, ...opts });
  const emit = () => journal.publish(journal.record(FIELDS, Buffer.from('OPTIONS sip:x@y SIP/2.0\r\n\r\n', 'latin1')));
  return { clock, journal, hub, emit };
}

describe('SSE fan-out', () => {
  it('a fast client gets every event while a slow one keeps a bounded backlog and is told what it lost', () => {
    const { hub, emit } = setup();
    const fast = new Sink(1_000);
    const slow = new Sink(1);
    hub.add(fast);
    hub.add(slow);
    for (let i = 0; i < 10; i++) emit();
    expect(fast.ids()).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    // The slow one took event 1 (its buffer then full); of 2–10 the newest 3 wait, 6 were dropped.
    expect(slow.ids()).toEqual(['1']);
    slow.drain(100);
    expect(slow.chunks.slice(1)[0]).toBe('event: dropped\ndata: {"dropped":6}\n\n');
    expect(slow.ids()).toEqual(['1', '8', '9', '10']);
    expect(hub.backlogBytes).toBe(0);
  });

  it('bounds the backlog by bytes too', () => {
    const { hub, emit } = setup({ maxBacklog: 100, maxBacklogBytes: 1500 });
    const slow = new Sink(1);
    hub.add(slow);
    for (let i = 0; i < 10; i++) emit();
    expect(hub.backlogBytes).toBeLessThanOrEqual(1500);
    expect(hub.backlogBytes).toBeGreaterThan(0);
  });

  it('each event is the entry JSON, request then update', () => {
    const { hub, journal } = setup();
    const s = new Sink(100);
    hub.add(s);
    const e = journal.record(FIELDS, Buffer.from('OPTIONS sip:x@y SIP/2.0\r\n\r\n', 'latin1'));
    journal.publish(e);
    journal.answered(e, 'options');
    expect(s.chunks.map((c) => c.split('\n')[1])).toEqual(['event: request', 'event: update']);
    const data = JSON.parse(s.chunks[1]!.split('\n')[2]!.slice(6)) as { id: number; rule: string; raw: string };
    expect([data.id, data.rule, data.raw]).toEqual([1, 'options', 'OPTIONS sip:x@y SIP/2.0\r\n\r\n']);
  });

  it('heartbeats on the clock; a removed client is freed and the journal unsubscribed', () => {
    const { hub, journal, clock, emit } = setup();
    const s = new Sink(100);
    const remove = hub.add(s)!;
    expect(journal.subscribers).toBe(1);
    clock.tick(15_000);
    clock.tick(15_000);
    expect(s.chunks).toEqual([': heartbeat\n\n', ': heartbeat\n\n']);
    remove();
    expect(hub.size).toBe(0);
    expect(journal.subscribers).toBe(0);
    expect(clock.pending).toBe(0);
    emit();
    expect(s.chunks.length).toBe(2);
  });

  it('refuses clients past maxClients', () => {
    const { hub } = setup({ maxClients: 1 });
    expect(hub.add(new Sink(10))).toBeTypeOf('function');
    expect(hub.add(new Sink(10))).toBeUndefined();
  });
});
