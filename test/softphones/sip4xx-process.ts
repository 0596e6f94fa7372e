/** A sip4xx process under test, and what it logged: its `answered` lines per Call-ID. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import process from 'node:process';
import { exited, track } from './child-processes.js';
import { REPO_ROOT } from './suite-files.js';
import { HOST, type Transport } from './transport.js';
import { waitFor } from './wait-for.js';

export interface LogLine {
  readonly msg?: string;
  readonly method?: string;
  readonly callId?: string;
  readonly code?: number;
  readonly rule?: string;
  readonly transport?: string;
  readonly [key: string]: unknown;
}

export class Sip4xx {
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];
  readonly proc: ChildProcess;

  constructor(
    readonly label: string,
    readonly port: number,
    extraArgs: readonly string[],
    logFile: string,
  ) {
    // The default configuration (config/default.yaml): only where to listen and the log level
    // that writes the `answered` lines the cases read.
    const args = [
      '--import', 'tsx', 'src/main.ts',
      '--host', HOST, '--port', String(port), '--admin-port', '0', '--log-level', 'info',
      ...extraArgs,
    ];
    this.proc = track(spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
    const file = createWriteStream(logFile);
    let partial = '';
    const onData = (chunk: Buffer): void => {
      file.write(chunk);
      partial += chunk.toString('utf8');
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        if (line.trim() === '') continue;
        this.raw.push(line);
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          // not JSON (a crash trace): kept in raw for the failure report
        }
      }
    };
    this.proc.stdout?.on('data', onData);
    this.proc.stderr?.on('data', onData);
  }

  async ready(ms: number): Promise<boolean> {
    return (await waitFor(() => exited(this.proc) ? 'dead' : this.lines.some((l) => l.msg === 'listening') && 'up', ms)) === 'up';
  }

  alive(): boolean {
    return !exited(this.proc);
  }

  answered(callId: string, method?: string): LogLine[] {
    return this.lines.filter((l) => l.msg === 'answered' && l.callId === callId && (method === undefined || l.method === method));
  }

  codes(callId: string, method?: string): number[] {
    return this.answered(callId, method).map((l) => l.code ?? 0);
  }

  /**
   * The codes logged for a Call-ID once there are at least `n` (or after `ms`): a client can see a
   * response before the line sip4xx logs for it has come through the pipe to this runner.
   */
  async codesWhen(n: number, callId: string, method?: string, ms = 2000): Promise<number[]> {
    await waitFor(() => this.answered(callId, method).length >= n, ms);
    return this.codes(callId, method);
  }

  /** Every request of this Call-ID must have reached sip4xx over `transport` (BYE included). */
  transportProblems(callId: string, transport: Transport | 'ws' | 'wss'): string[] {
    const wrong = this.answered(callId).filter((l) => l.transport !== transport);
    return wrong.map((l) => `sip4xx got ${l.method} ${callId} over ${l.transport}, expected ${transport}`);
  }

  /** The answered lines of these Call-IDs, for failure reports. */
  evidence(callIds: readonly string[]): string {
    const rows = this.lines
      .filter((l) => l.msg === 'answered' && callIds.includes(String(l.callId)))
      .map((l) => `${l.method} ${l.callId} ${l.transport} -> ${l.code} (${l.rule})`);
    return `sip4xx (${this.label}) answered:\n${rows.length > 0 ? rows.join('\n') : '(nothing for these Call-IDs)'}`;
  }

  tailLog(n: number): string {
    return `sip4xx (${this.label}) log tail:\n${this.raw.slice(-n).join('\n')}`;
  }
}
