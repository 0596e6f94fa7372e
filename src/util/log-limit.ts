/**
 * Rate limit for log lines whose number follows the traffic (a flood of un-ACKed INVITEs, refused
 * connections): at most `perWindow` lines of one kind per `windowMs`; the rest are counted, and
 * when the window closes one "log lines suppressed" line says how many of that kind were dropped.
 *
 * The kinds are the constant messages of our own log calls, so the table stays as small as the
 * code. A window's summary is written by a timer (unref'd, one per kind at most) so the count is
 * reported even when the flood stops; `setTimeout` is the global one, so fake timers drive it.
 */
import type { Logger } from 'pino';

export interface LogLimitOptions {
  /** Lines of one kind let through per window. */
  readonly perWindow: number;
  readonly windowMs: number;
}

/** The default: 10 lines of a kind per second. */
export const DEFAULT_LOG_LIMIT: LogLimitOptions = { perWindow: 10, windowMs: 1000 };

type Level = 'debug' | 'info' | 'warn' | 'error';

interface Window {
  lines: number;
  suppressed: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class LogLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly logger: Logger,
    private readonly opts: LogLimitOptions = DEFAULT_LOG_LIMIT,
  ) {}

  /** Logs `msg` with `fields` at `level` unless `msg` has had its lines this window. */
  log(level: Level, fields: Record<string, unknown>, msg: string): void {
    if (!this.logger.isLevelEnabled(level)) return;
    let w = this.windows.get(msg);
    if (w === undefined) {
      w = { lines: 0, suppressed: 0, timer: undefined };
      this.windows.set(msg, w);
    }
    if (w.timer === undefined) {
      const win = w;
      win.timer = setTimeout(() => this.close(msg, win, level), this.opts.windowMs);
      win.timer.unref?.();
    }
    if (w.lines < this.opts.perWindow) {
      w.lines++;
      this.logger[level](fields, msg);
    } else {
      w.suppressed++;
    }
  }

  /** Stops the window timers (server close); counts not yet reported are logged now. */
  flush(): void {
    for (const [msg, w] of this.windows) {
      if (w.timer !== undefined) clearTimeout(w.timer);
      if (w.suppressed > 0) this.logger.warn({ kind: msg, suppressed: w.suppressed }, 'log lines suppressed');
    }
    this.windows.clear();
  }

  private close(msg: string, w: Window, level: Level): void {
    if (w.suppressed > 0) {
      this.logger[level === 'debug' ? 'debug' : 'warn']({ kind: msg, suppressed: w.suppressed, windowMs: this.opts.windowMs }, 'log lines suppressed');
    }
    this.windows.delete(msg);
  }
}

const limiters = new WeakMap<Logger, LogLimiter>();

/** The limiter of `logger` (one per logger object, made on first use) with the default limit. */
export function limiterOf(logger: Logger): LogLimiter {
  let l = limiters.get(logger);
  if (l === undefined) {
    l = new LogLimiter(logger);
    limiters.set(logger, l);
  }
  return l;
}
