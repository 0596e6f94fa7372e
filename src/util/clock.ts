/**
 * Time, injected: the protocol core never calls the global timer functions itself, so tests drive
 * every timer with a fake clock and no test sleeps (docs/ARCHITECTURE.md, Deadlines).
 */
export type TimerHandle = { readonly __timer: unique symbol } | object;

export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // Protocol timers must never keep a stopping process alive.
    t.unref();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** §17.1.1.1: T1 (RTT estimate, 500 ms), T2 (max retransmit interval, 4 s), T4 (max network lifetime, 5 s). */
export interface TimerValues {
  readonly t1: number;
  readonly t2: number;
  readonly t4: number;
}
