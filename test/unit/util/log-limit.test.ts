/** The per-kind log limiter: lines let through per window, the suppressed summary, on fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogLimiter, limiterOf } from '../../../src/util/log-limit.js';
import { memoryLogger } from '../../helpers/memory-logger.js';

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('LogLimiter', () => {
  it('lets 3 lines of a kind through per second and summarises the rest when the window closes', () => {
    const log = memoryLogger('info');
    const l = new LogLimiter(log.logger, { perWindow: 3, windowMs: 1000 });
    for (let i = 0; i < 10; i++) l.log('info', { i }, 'no ACK before Timer H');
    l.log('info', { i: 0 }, 'another kind');
    expect(log.lines().map((x) => [x.msg, x.i])).toEqual([
      ['no ACK before Timer H', 0],
      ['no ACK before Timer H', 1],
      ['no ACK before Timer H', 2],
      ['another kind', 0],
    ]);
    log.clear();
    vi.advanceTimersByTime(1000);
    expect(log.lines()).toEqual([{ level: 40, msg: 'log lines suppressed', kind: 'no ACK before Timer H', suppressed: 7, windowMs: 1000 }]);
    log.clear();
    l.log('info', { i: 10 }, 'no ACK before Timer H'); // a new window
    expect(log.lines().map((x) => x.i)).toEqual([10]);
    vi.advanceTimersByTime(1000);
    expect(log.withMsg('log lines suppressed')).toEqual([]);
  });

  it('counts nothing for a level that is off, and flush reports what is pending', () => {
    const log = memoryLogger('warn');
    const l = new LogLimiter(log.logger, { perWindow: 1, windowMs: 1000 });
    for (let i = 0; i < 5; i++) l.log('info', {}, 'quiet');
    for (let i = 0; i < 5; i++) l.log('warn', {}, 'loud');
    l.flush();
    expect(log.lines()).toEqual([
      { level: 40, msg: 'loud' },
      { level: 40, msg: 'log lines suppressed', kind: 'loud', suppressed: 4 },
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps one limiter per logger', () => {
    const log = memoryLogger('info');
    expect(limiterOf(log.logger)).toBe(limiterOf(log.logger));
  });
});
