/**
 * The log sink never blocks and never retries without end: a full pipe (EAGAIN) is retried on a
 * timer with the lines queued up to a bound, a gone reader (EPIPE) ends logging, drain() has a
 * deadline. Writes go to a fake fs.write; time is vitest's fake clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logSink, type LogSinkOptions } from '../../src/stdout-log.js';

type Cb = (err: NodeJS.ErrnoException | null, written: number) => void;

/** A fake fd: each write waits for the test to complete it, with bytes written or an error code. */
function fakeFd() {
  const written: string[] = [];
  const pending: { buf: Buffer; cb: Cb }[] = [];
  const write = (_fd: number, buf: Buffer, offset: number, length: number, _pos: null, cb: Cb) => {
    pending.push({ buf: buf.subarray(offset, offset + length), cb });
  };
  return {
    write,
    written,
    pending,
    /** Complete the oldest write: all of it, `n` bytes of it, or fail it with `code`. */
    complete(result: number | 'all' | string = 'all') {
      const w = pending.shift();
      if (w === undefined) throw new Error('no write pending');
      if (typeof result === 'string' && result !== 'all') return w.cb(Object.assign(new Error(result), { code: result }), 0);
      const n = result === 'all' ? w.buf.length : result;
      written.push(w.buf.subarray(0, n).toString());
      w.cb(null, n);
    },
  };
}

function sink(fd: ReturnType<typeof fakeFd>, over: Partial<LogSinkOptions> = {}) {
  return logSink({ fd: 1, maxQueuedLines: 4, maxQueuedBytes: 1000, retryMs: 50, maxWriteBytes: 64 * 1024, write: fd.write, ...over });
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('the stdout log sink', () => {
  it('writes lines in order, those queued during a write together in the next one', () => {
    const fd = fakeFd();
    const s = sink(fd);
    s.write('a\n');
    s.write('b\n');
    s.write('c\n');
    fd.complete();
    fd.complete();
    expect(fd.written).toEqual(['a\n', 'b\nc\n']);
  });

  it('keeps the rest of a partial write for the next one', () => {
    const fd = fakeFd();
    const s = sink(fd);
    s.write('hello\n');
    fd.complete(2);
    fd.complete();
    expect(fd.written).toEqual(['he', 'llo\n']);
  });

  it('retries after retryMs when the pipe is full (EAGAIN), not before', () => {
    const fd = fakeFd();
    const s = sink(fd);
    s.write('a\n');
    fd.complete('EAGAIN');
    expect(fd.pending).toHaveLength(0);
    vi.advanceTimersByTime(49);
    expect(fd.pending).toHaveLength(0);
    vi.advanceTimersByTime(1);
    fd.complete();
    expect(fd.written).toEqual(['a\n']);
  });

  it('drops and counts lines past its bounds, in lines and in bytes', () => {
    const fd = fakeFd();
    const s = sink(fd);
    for (let i = 0; i < 6; i++) s.write(`${i}\n`);
    expect(s.dropped()).toBe(2);
    const big = sink(fakeFd());
    big.write('x'.repeat(900));
    big.write('y'.repeat(200));
    expect(big.dropped()).toBe(1);
  });

  it('stops logging when the reader has gone (EPIPE), and drain() says not everything was written', async () => {
    const fd = fakeFd();
    const s = sink(fd);
    s.write('a\n');
    s.write('b\n');
    fd.complete('EPIPE');
    s.write('c\n');
    expect([s.broken(), s.dropped(), fd.pending.length]).toEqual(['EPIPE', 3, 0]);
    await expect(s.drain(1000)).resolves.toBe(false);
  });

  it('drain() resolves true once the queue is written, false at its deadline while the pipe stays full', async () => {
    const fd = fakeFd();
    const s = sink(fd);
    s.write('a\n');
    const done = s.drain(1000);
    fd.complete();
    await expect(done).resolves.toBe(true);

    s.write('b\n');
    const stuck = s.drain(1000);
    for (let t = 0; t < 1000; t += 50) {
      if (fd.pending.length > 0) fd.complete('EAGAIN');
      vi.advanceTimersByTime(50);
    }
    await expect(stuck).resolves.toBe(false);
  });
});
