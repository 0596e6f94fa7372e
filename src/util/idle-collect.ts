/**
 * One full garbage collection when a flood is over (docs/ARCHITECTURE.md, Transactions, "Memory
 * after a flood").
 *
 * V8 runs a full (mark-compact) collection only when its old generation grows. A server that
 * goes quiet straight after a flood may never run one again, and then the flood's dead objects
 * stay in the heap — with the Buffers outside it that they keep — for as long as it stays quiet:
 * in `npm run fuzz` (bench/README.md, "Fuzz") the runs that had no full collection since the
 * flood held 53–55 MB of heap and 33–34 MB of external memory after the drain, against 21.5 and
 * 20.4 MB in every run that had one.
 *
 * The first quiet moment is too early: the flood's transactions live until Timer H or J
 * (64·T1, §17.2.1, §17.2.2), and a collection before they end frees none of them. So one
 * collection is run when all of these hold:
 * - at least `busyMessages` messages arrived since the last one (a test suite's trickle never
 *   pays for a full collection);
 * - the last check (`everyMs`) saw fewer than `quietMessages`;
 * - the transaction table is empty, or the server has been quiet for `maxWaitMs` (64·T1: a
 *   transaction held longer, e.g. a final response delayed by a rule, does not postpone it).
 * It runs while the server is idle, so its pause (tens of ms for a heap of this size) delays no
 * request worth speaking of.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { Clock } from './clock.js';

export interface IdleCollectionOptions {
  readonly clock: Clock;
  /** Messages received so far (monotonic: requests, refused ones included, and drops). */
  messages(): number;
  /** Live server transactions. */
  transactions(): number;
  /** 64·T1 of the running configuration (ms). */
  maxWaitMs(): number;
  /** Runs the full collection (`fullCollection()` in production). */
  readonly collect: () => void;
  readonly everyMs?: number;
  readonly busyMessages?: number;
  readonly quietMessages?: number;
}

const IDLE_CHECK_MS = 5_000;
const BUSY_MESSAGES = 50_000;
const QUIET_MESSAGES = 100;

/** Starts the checks: `stop()` ends them, `collections()` counts the collections run. */
export function startIdleCollection(o: IdleCollectionOptions): { stop(): void; collections(): number } {
  const everyMs = o.everyMs ?? IDLE_CHECK_MS;
  const busy = o.busyMessages ?? BUSY_MESSAGES;
  const quiet = o.quietMessages ?? QUIET_MESSAGES;
  let atLastCollection = o.messages();
  let atLastCheck = atLastCollection;
  let quietSince = -1;
  let collections = 0;
  let timer = o.clock.setTimer(check, everyMs);

  function check(): void {
    const now = o.clock.now();
    const seen = o.messages();
    const isQuiet = seen - atLastCheck < quiet;
    atLastCheck = seen;
    if (!isQuiet) quietSince = -1;
    else if (quietSince < 0) quietSince = now;
    if (isQuiet && seen - atLastCollection >= busy && (o.transactions() === 0 || now - quietSince >= o.maxWaitMs())) {
      atLastCollection = seen;
      collections++;
      o.collect();
    }
    timer = o.clock.setTimer(check, everyMs);
  }

  return {
    stop: () => o.clock.clearTimer(timer),
    collections: () => collections,
  };
}

/** Heap used, heap committed and external memory (MiB) before and after a collection. */
export interface Collected {
  readonly heapUsedMiB: readonly [number, number];
  readonly heapTotalMiB: readonly [number, number];
  readonly externalMiB: readonly [number, number];
}

/**
 * V8's full collection, without starting node with `--expose-gc`: the flag is set when the first
 * collection is due, and `gc` is taken from a fresh context, which is created with it. It also
 * compacts: a plain full collection frees the flood's dead objects but gives back only the old
 * generation's pages left empty, and a page that kept one long-lived object stays committed
 * (measured, Node 20: 400,000 objects promoted, one in eight kept — 53 MB committed for 9 MB
 * live after `gc()`, 9.2 MB after it with compaction). Compaction is switched on for this one
 * collection only.
 */
export function fullCollection(): Collected {
  const mib = (n: number) => Math.round(n / 1_048_576);
  const before = v8.getHeapStatistics();
  v8.setFlagsFromString('--expose-gc');
  v8.setFlagsFromString('--compact-on-every-full-gc');
  try {
    (vm.runInNewContext('gc') as () => void)();
  } finally {
    v8.setFlagsFromString('--no-compact-on-every-full-gc');
  }
  const after = v8.getHeapStatistics();
  return {
    heapUsedMiB: [mib(before.used_heap_size), mib(after.used_heap_size)],
    heapTotalMiB: [mib(before.total_heap_size), mib(after.total_heap_size)],
    externalMiB: [mib(before.external_memory), mib(after.external_memory)],
  };
}
