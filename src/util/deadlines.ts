/**
 * Every expiry in the server on one injected Clock (docs/ARCHITECTURE.md, Deadlines): transaction
 * timers (§17.2.1 G, H, I, L; §17.2.2 J), delayed final responses, dialog lifetimes and ACK waits
 * (§13.3.1.4), nonce-counts and registrar bindings (§10.3).
 *
 * A binary min-heap ordered by time, then by the order of scheduling (deadlines due at the same
 * time run first-scheduled first), armed with ONE Clock timer for the earliest. Schedule, cancel
 * and reschedule are O(log n) and need no allocation beyond the Deadline itself; a cancelled
 * deadline leaves the heap at once, so nothing it refers to is kept alive by the queue.
 */
import type { Clock, TimerHandle } from './clock.js';

/** setTimeout fires at once past 2^31-1 ms; a later deadline is reached by re-arming. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * One scheduled callback: `fn`, or a subclass's own `fire()` — an object that extends Deadline is
 * its own heap entry, with no closure (a server transaction does: one per request).
 */
export class Deadline {
  /** When it is due, in the queue's elapsed time (ms, a small integer; while scheduled). */
  dueAt = 0;
  /** Deadlines due at the same time run in this order. */
  dueSeq = 0;
  /** Its position in the heap; -1 while not scheduled. */
  heapIndex = -1;

  constructor(private readonly fn?: () => void) {}

  get scheduled(): boolean {
    return this.heapIndex >= 0;
  }

  fire(): void {
    this.fn?.();
  }
}

function before(a: Deadline, b: Deadline): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.dueSeq < b.dueSeq);
}

export class Deadlines {
  private readonly heap: Deadline[] = [];
  private seq = 0;
  private timer: TimerHandle | undefined;
  /** When the armed Clock timer fires (Infinity: none armed). */
  private timerAt = Infinity;
  private running = false;
  /**
   * Times are kept as ms since the queue began: small integers, which V8 stores in the object
   * itself, where a Date.now()-sized number would need a box of its own in every deadline.
   */
  private readonly epoch: number;

  constructor(private readonly clock: Clock) {
    this.epoch = clock.now();
  }

  /** Deadlines scheduled and not yet run or cancelled. */
  get size(): number {
    return this.heap.length;
  }

  now(): number {
    return this.clock.now();
  }

  /** ms since the queue began: the time `Deadline.dueAt` is in. */
  elapsed(): number {
    return this.clock.now() - this.epoch;
  }

  /** Run `fn` once, `ms` from now, unless the returned Deadline is cancelled first. */
  schedule(fn: () => void, ms: number): Deadline {
    const d = new Deadline(fn);
    this.reschedule(d, ms);
    return d;
  }

  /** Make `d` due `ms` from now, whether it is scheduled, has run or was cancelled. */
  reschedule(d: Deadline, ms: number): void {
    const at = this.elapsed() + Math.max(0, ms);
    d.dueAt = at;
    d.dueSeq = ++this.seq;
    if (d.heapIndex < 0) {
      d.heapIndex = this.heap.length;
      this.heap.push(d);
      this.up(d.heapIndex);
    } else {
      this.up(d.heapIndex);
      this.down(d.heapIndex);
    }
    if (at < this.timerAt) this.arm(at);
  }

  /** Unschedule `d` (nothing if it is not scheduled). */
  cancel(d: Deadline): void {
    const i = d.heapIndex;
    if (i < 0) return;
    d.heapIndex = -1;
    const last = this.heap.pop() as Deadline;
    if (i < this.heap.length) {
      this.heap[i] = last;
      last.heapIndex = i;
      this.up(i);
      this.down(last.heapIndex);
    }
    // With nothing left, no Clock timer either (an armed one would only find nothing due).
    if (this.heap.length === 0 && !this.running) this.disarm();
  }

  /** Drop every deadline without running it (shutdown). */
  clear(): void {
    for (const d of this.heap) d.heapIndex = -1;
    this.heap.length = 0;
    this.disarm();
  }

  private arm(at: number): void {
    if (this.running) return; // the run re-arms for the earliest when it ends
    this.disarm();
    this.timerAt = at;
    this.timer = this.clock.setTimer(this.run, Math.min(Math.max(0, at - this.elapsed()), MAX_TIMER_MS));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /**
   * Run what is due. A callback may schedule, reschedule or cancel anything; what it schedules for
   * now or earlier runs in a later turn, so a callback that keeps rescheduling itself at 0 ms
   * cannot hold the event loop.
   */
  private readonly run = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.running = true;
    const now = this.elapsed();
    const last = this.seq;
    try {
      for (let d = this.heap[0]; d !== undefined && d.dueAt <= now && d.dueSeq <= last; d = this.heap[0]) {
        this.cancel(d);
        d.fire();
      }
    } finally {
      this.running = false;
      const first = this.heap[0];
      if (first !== undefined) this.arm(first.dueAt);
    }
  };

  private up(i: number): void {
    const heap = this.heap;
    const d = heap[i] as Deadline;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p] as Deadline;
      if (!before(d, parent)) break;
      heap[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    heap[i] = d;
    d.heapIndex = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const d = heap[i] as Deadline;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const right = c + 1;
      if (right < n && before(heap[right] as Deadline, heap[c] as Deadline)) c = right;
      const child = heap[c] as Deadline;
      if (!before(child, d)) break;
      heap[i] = child;
      child.heapIndex = i;
      i = c;
    }
    heap[i] = d;
    d.heapIndex = i;
  }
}
