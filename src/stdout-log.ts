/**
 * Where the log lines go: file descriptor 1, written asynchronously through a bounded queue.
 *
 * pino's default destination (sonic-boom) retries a write that fails for ever: on a pipe nobody
 * reads (EAGAIN) and on one whose reader has gone (EPIPE) alike. It does so synchronously from the
 * process 'exit' hook, so `process.exit()` after SIGTERM never returned while stdout was full or
 * broken. This sink never blocks the process and never retries without end: a full pipe holds
 * lines in a queue bounded in lines and bytes (the overflow is dropped and counted), a broken one
 * ends logging, and `drain(ms)` waits for the queue only up to a deadline.
 */
import { write as fsWrite } from 'node:fs';

type WriteFn = (fd: number, buf: Buffer, offset: number, length: number, position: null, cb: (err: NodeJS.ErrnoException | null, written: number) => void) => void;

export interface LogSinkOptions {
  readonly fd: number;
  /** Queue bounds while the reader is slow or gone: lines and bytes, whichever is reached first. */
  readonly maxQueuedLines: number;
  readonly maxQueuedBytes: number;
  /** Pause before writing again after EAGAIN (the pipe is full). */
  readonly retryMs: number;
  /** Largest single write. */
  readonly maxWriteBytes: number;
  /** For tests; fs.write by default. */
  readonly write?: WriteFn;
}

export interface LogSink {
  /** Called by pino with one serialized line. Never throws, never blocks. */
  write(line: string): void;
  /**
   * Resolves true once every queued line is written, false when `timeoutMs` passes first or the
   * reader has gone.
   */
  drain(timeoutMs: number): Promise<boolean>;
  /** Lines dropped because the queue was full or the reader had gone. */
  dropped(): number;
  /** The write error that ended logging (EPIPE…), if any. */
  broken(): string | undefined;
}

export const STDOUT_LOG_DEFAULTS: LogSinkOptions = {
  fd: 1,
  maxQueuedLines: 20_000,
  maxQueuedBytes: 8 * 1024 * 1024,
  retryMs: 50,
  maxWriteBytes: 64 * 1024,
};

export function logSink(opts: LogSinkOptions = STDOUT_LOG_DEFAULTS): LogSink {
  const write: WriteFn = opts.write ?? (fsWrite as unknown as WriteFn);
  const queue: Buffer[] = [];
  let queuedBytes = 0;
  let writing = false;
  let dropped = 0;
  let brokenBy: string | undefined;
  const idle = new Set<() => void>();

  const settle = () => {
    for (const wake of [...idle]) wake();
  };

  const pump = () => {
    if (writing || brokenBy !== undefined) return;
    if (queue.length === 0) return settle();
    // Several small lines leave in one write, up to maxWriteBytes.
    let n = 1;
    let bytes = (queue[0] as Buffer).length;
    while (n < queue.length && bytes + (queue[n] as Buffer).length <= opts.maxWriteBytes) bytes += (queue[n++] as Buffer).length;
    const chunk = n === 1 ? (queue[0] as Buffer) : Buffer.concat(queue.slice(0, n), bytes);
    writing = true;
    write(opts.fd, chunk, 0, chunk.length, null, (err, written) => {
      writing = false;
      if (err !== null) {
        if (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK' || err.code === 'EINTR') {
          setTimeout(pump, opts.retryMs).unref();
          return;
        }
        brokenBy = err.code ?? err.message;
        dropped += queue.length;
        queue.length = 0;
        queuedBytes = 0;
        return settle();
      }
      consume(written);
      pump();
    });
  };

  /** Remove `written` bytes from the head of the queue (a partial write keeps the rest). */
  const consume = (written: number) => {
    queuedBytes -= written;
    while (written > 0 && queue.length > 0) {
      const head = queue[0] as Buffer;
      if (head.length <= written) {
        written -= head.length;
        queue.shift();
      } else {
        queue[0] = head.subarray(written);
        written = 0;
      }
    }
  };

  return {
    write(line) {
      if (brokenBy !== undefined) {
        dropped++;
        return;
      }
      const buf = Buffer.from(line, 'utf8');
      if (queue.length >= opts.maxQueuedLines || queuedBytes + buf.length > opts.maxQueuedBytes) {
        dropped++;
        return;
      }
      queue.push(buf);
      queuedBytes += buf.length;
      if (!writing) pump();
    },
    drain(timeoutMs) {
      return new Promise<boolean>((resolve) => {
        const done = () => {
          if (queue.length > 0 && brokenBy === undefined) return;
          clearTimeout(timer);
          idle.delete(done);
          resolve(brokenBy === undefined);
        };
        const timer = setTimeout(() => {
          idle.delete(done);
          resolve(false);
        }, timeoutMs);
        idle.add(done);
        done();
      });
    },
    dropped: () => dropped,
    broken: () => brokenBy,
  };
}
