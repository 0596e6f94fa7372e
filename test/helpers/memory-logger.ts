/** A pino logger writing JSON lines into memory, so tests assert on what was logged (STYLE: pino). */
import { pino, type Logger } from 'pino';

export type LogLine = Record<string, unknown> & { msg?: string; level: number };

export interface MemoryLogger {
  readonly logger: Logger;
  /** Every line logged so far, parsed. */
  lines(): LogLine[];
  /** Lines whose msg equals `msg`. */
  withMsg(msg: string): LogLine[];
  clear(): void;
}

export function memoryLogger(level: pino.LevelWithSilent = 'debug'): MemoryLogger {
  const raw: string[] = [];
  // pino writes synchronously to a plain { write } destination: one call per line.
  const logger = pino({ level, base: undefined, timestamp: false }, { write: (s: string) => void raw.push(s) });
  const lines = (): LogLine[] => raw.map((s) => JSON.parse(s) as LogLine);
  return {
    logger,
    lines,
    withMsg: (msg) => lines().filter((l) => l.msg === msg),
    clear: () => void raw.splice(0),
  };
}
