import { describe, expect, it } from 'vitest';
import { Deadlines } from '../../../src/util/deadlines.js';
import { FakeClock } from '../transaction/fake-clock.js';

function setup() {
  const clock = new FakeClock();
  const deadlines = new Deadlines(clock);
  const ran: string[] = [];
  const at = (name: string) => () => ran.push(`${name}@${clock.now()}`);
  return { clock, deadlines, ran, at };
}

describe('deadlines (one heap on the injected clock)', () => {
  it('runs each deadline once, at its time, earliest first, whatever order they were scheduled in', () => {
    const { clock, deadlines, ran, at } = setup();
    deadlines.schedule(at('c'), 3_000);
    deadlines.schedule(at('a'), 500);
    deadlines.schedule(at('b'), 1_500);
    clock.tick(499);
    expect(ran).toEqual([]);
    clock.tick(10_000);
    expect(ran).toEqual(['a@500', 'b@1500', 'c@3000']);
    expect(deadlines.size).toBe(0);
  });

  it('keeps one clock timer armed, for the earliest deadline, and none when nothing is scheduled', () => {
    const { clock, deadlines, at } = setup();
    const late = deadlines.schedule(at('late'), 32_000);
    expect(clock.pending).toBe(1);
    const early = deadlines.schedule(at('early'), 500);
    expect(clock.pending).toBe(1);
    deadlines.cancel(early);
    deadlines.cancel(late);
    expect(clock.pending).toBe(0);
    expect(deadlines.size).toBe(0);
  });

  it('never runs a cancelled deadline, and cancelling twice or after it ran changes nothing', () => {
    const { clock, deadlines, ran, at } = setup();
    const a = deadlines.schedule(at('a'), 100);
    const b = deadlines.schedule(at('b'), 200);
    deadlines.cancel(a);
    deadlines.cancel(a);
    clock.tick(300);
    deadlines.cancel(b);
    expect(ran).toEqual(['b@200']);
    expect(a.scheduled).toBe(false);
    expect(b.scheduled).toBe(false);
  });

  it('moves a deadline later or earlier when rescheduled, and schedules one that already ran again', () => {
    const { clock, deadlines, ran, at } = setup();
    const a = deadlines.schedule(at('a'), 100);
    deadlines.schedule(at('b'), 200);
    deadlines.reschedule(a, 300);
    clock.tick(250);
    expect(ran).toEqual(['b@200']);
    deadlines.reschedule(a, 10); // earlier than the 300 it had
    clock.tick(10);
    expect(ran).toEqual(['b@200', 'a@260']);
    deadlines.reschedule(a, 40);
    clock.tick(100);
    expect(ran).toEqual(['b@200', 'a@260', 'a@300']);
  });

  it('runs deadlines due at the same time in the order they were scheduled', () => {
    const { clock, deadlines, ran, at } = setup();
    for (let i = 0; i < 50; i++) deadlines.schedule(at(`d${i}`), 1_000);
    clock.tick(1_000);
    expect(ran).toEqual(Array.from({ length: 50 }, (_v, i) => `d${i}@1000`));
  });

  it('lets a callback schedule, reschedule and cancel others; one due now runs in a later turn', () => {
    const { clock, deadlines, ran, at } = setup();
    const victim = deadlines.schedule(at('victim'), 100);
    deadlines.schedule(() => {
      ran.push(`first@${clock.now()}`);
      deadlines.cancel(victim);
      deadlines.schedule(at('now'), 0);
      deadlines.schedule(at('later'), 50);
    }, 100);
    // Scheduled first, at the same time as `victim`'s own: put it first by rescheduling `victim`.
    deadlines.reschedule(victim, 100);
    clock.tick(200);
    expect(ran).toEqual(['first@100', 'now@100', 'later@150']);
  });

  it('does not hold the loop when a callback keeps rescheduling itself at 0 ms', () => {
    const { clock, deadlines } = setup();
    let runs = 0;
    let turns = 0;
    const self = deadlines.schedule(() => {
      runs++;
      if (runs < 1_000) deadlines.reschedule(self, 0);
    }, 0);
    // Each pass of the clock's timer runs it once; FakeClock fires timers armed for "now" too.
    const realSetTimer = clock.setTimer.bind(clock);
    clock.setTimer = (fn, ms) => {
      turns++;
      return realSetTimer(fn, ms);
    };
    clock.tick(0);
    expect(runs).toBe(1_000);
    expect(turns).toBe(999);
  });

  it('reaches a deadline further away than one setTimeout can wait (2^31-1 ms)', () => {
    const { clock, deadlines, ran, at } = setup();
    deadlines.schedule(at('far'), 3_000_000_000);
    clock.tick(2_147_483_647);
    expect(ran).toEqual([]);
    expect(clock.pending).toBe(1);
    clock.tick(3_000_000_000 - 2_147_483_647);
    expect(ran).toEqual(['far@3000000000']);
  });

  it('re-arms when the clock timer fires before the deadline (a wall clock behind the timer)', () => {
    const clock = new FakeClock();
    let skew = 0;
    const skewed = { now: () => clock.now() - skew, setTimer: clock.setTimer.bind(clock), clearTimer: clock.clearTimer.bind(clock) };
    const deadlines = new Deadlines(skewed);
    const ran: number[] = [];
    deadlines.schedule(() => ran.push(skewed.now()), 100);
    skew = 1;
    clock.tick(100);
    expect(ran).toEqual([]);
    expect(deadlines.size).toBe(1);
    skew = 0;
    clock.tick(1);
    expect(ran).toEqual([101]);
  });

  it('keeps order across 100,000 deadlines scheduled at random, with a third cancelled and a third moved', () => {
    const { clock, deadlines } = setup();
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const out: number[] = [];
    const expected: number[] = [];
    const all = Array.from({ length: 100_000 }, (_v, i) => {
      const ms = random() % 100_000;
      return { i, ms, d: deadlines.schedule(() => out.push(clock.now()), ms) };
    });
    for (const e of all) {
      if (e.i % 3 === 0) deadlines.cancel(e.d);
      else if (e.i % 3 === 1) {
        e.ms = random() % 100_000;
        deadlines.reschedule(e.d, e.ms);
        expected.push(e.ms);
      } else expected.push(e.ms);
    }
    expect(deadlines.size).toBe(expected.length);
    clock.tick(100_000);
    expect(out).toEqual(expected.sort((a, b) => a - b));
    expect(deadlines.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('clear() drops everything without running it', () => {
    const { clock, deadlines, ran, at } = setup();
    deadlines.schedule(at('a'), 10);
    deadlines.schedule(at('b'), 20);
    deadlines.clear();
    clock.tick(100);
    expect(ran).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});
