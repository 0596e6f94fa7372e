/**
 * One linphonec process: its rc written from linphonerc.in, commands on stdin, and its `-d 6` log
 * file, which holds the SIP messages and state changes its stdout leaves out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { exited, stopAfter, track } from './child-processes.js';
import { tail } from './results.js';
import { parseMessages, type SipMsg } from './sip-messages.js';
import { writeFromTemplate } from './suite-files.js';
import type { Transport } from './transport.js';

/** SIP messages in linphonec's log (-d 6): after "message sent to [..]" / "received [N] new bytes from [..]:". */
export function linphoneTrace(log: string): SipMsg[] {
  const msgs: SipMsg[] = [];
  let dir: 'in' | 'out' | undefined;
  let chunk: string[] = [];
  const flush = (): void => {
    if (dir && chunk.length > 0) msgs.push(...parseMessages(chunk.join('\n'), dir));
    chunk = [];
  };
  for (const line of log.replace(/\r/g, '').split('\n')) {
    if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(line)) {
      flush();
      dir = / message sent to \[/.test(line) ? 'out' : / received \[\d+\] new bytes from \[/.test(line) ? 'in' : undefined;
    } else if (dir) {
      chunk.push(line);
    }
  }
  flush();
  return msgs;
}

/** linphonec's no-RTP timeout in these runs (seconds); see linphonerc.in. */
export const NORTP_TIMEOUT_S = 3;

export class Linphone {
  readonly proc: ChildProcess;
  stdout = '';

  private constructor(
    dir: string,
    rc: string,
    private readonly logFile: string,
  ) {
    // HOME / XDG_*: linphonec's database and files stay in the run directory.
    const env = { ...process.env, HOME: dir, XDG_DATA_HOME: path.join(dir, '.local', 'share'), XDG_CONFIG_HOME: path.join(dir, '.config') };
    this.proc = track(spawn('linphonec', ['-c', rc, '-l', logFile, '-d', '6'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], env }));
    this.proc.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString('utf8')));
    this.proc.stderr?.on('data', (d: Buffer) => (this.stdout += d.toString('utf8')));
    this.proc.stdin?.on('error', () => undefined);
  }

  /** A fresh rc (linphonec rewrites it) and HOME in `dir`, then linphonec on them, as `user` (password secret). */
  static start(dir: string, transport: Transport, serverPort: number, sipPort: number, rtpPort: number, user = 'alice'): Linphone {
    mkdirSync(path.join(dir, '.local', 'share', 'linphone'), { recursive: true });
    const rc = path.join(dir, 'linphonerc');
    writeFromTemplate('linphonerc.in', rc, {
      UDP_PORT: transport === 'udp' ? sipPort : 0,
      TCP_PORT: transport === 'tcp' ? sipPort : 0,
      TLS_PORT: transport === 'tls' ? sipPort : 0,
      SERVER_PORT: serverPort,
      TRANSPORT: transport,
      RTP_PORT: rtpPort,
      USER: user,
      NORTP_TIMEOUT: NORTP_TIMEOUT_S,
    });
    return new Linphone(dir, rc, path.join(dir, 'linphonec.log'));
  }

  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  send(line: string): void {
    if (!exited(this.proc)) this.proc.stdin?.write(`${line}\n`);
  }

  async quit(): Promise<void> {
    this.send('quit');
    await stopAfter(this.proc, 5000);
  }

  outTail(): string {
    return `linphonec stdout (tail):\n${tail(this.stdout, 20)}`;
  }

  /** The log lines matching `pattern`, without their timestamp prefix, for failure reports. */
  logTail(pattern: RegExp): string {
    const lines = this.log().split('\n').filter((l) => pattern.test(l)).slice(-15).map((l) => l.slice(24, 220));
    return `linphonec log (${pattern.source}):\n${lines.join('\n')}`;
  }
}
