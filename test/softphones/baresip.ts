/**
 * One baresip process: its config directory written from baresip.config.in, its stdout (the menu's
 * registration lines and, with -s, a SIP trace), and how to quit it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import type { BaresipCtrl } from './baresip-ctrl.js';
import { exited, stopAfter, track } from './child-processes.js';
import { tail } from './results.js';
import { brief, ofCall, parseMessages, type SipMsg } from './sip-messages.js';
import { writeFromTemplate } from './suite-files.js';
import { HOST, type Transport } from './transport.js';

/** ANSI colour sequences (baresip colours its output even into a pipe). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const stripAnsi = (s: string): string => s.replace(ANSI, '');

/** baresip's -s SIP trace: blocks "#\n<UDP|TCP|TLS> <src> -> <dst>\n<message>" (ANSI colour around). */
function baresipTrace(stdout: string, serverPort: number): SipMsg[] {
  const plain = stdout.replace(ANSI, '\uffff'); // each trace block ends where its colour is reset
  const msgs: SipMsg[] = [];
  const block = /#\n(UDP|TCP|TLS) (\S+) -> (\S+)\n([^\uffff]*)/g;
  for (let m = block.exec(plain); m; m = block.exec(plain)) {
    const dir = m[2] === `${HOST}:${serverPort}` ? 'in' : 'out';
    msgs.push(...parseMessages(m[4] ?? '', dir));
  }
  return msgs;
}

/** The line baresip's menu prints once alice is registered over `transport`. */
export const registeredLineFor = (transport: Transport): string => `alice@${HOST}: {0/${transport.toUpperCase()}/v4} 200 OK`;

export class Baresip {
  readonly proc: ChildProcess;
  stdout = '';

  private constructor(
    readonly dir: string,
    readonly serverPort: number,
  ) {
    // -s: SIP trace on stdout; -t: a safety net, baresip quits by itself after 60 s.
    this.proc = track(
      spawn('baresip', ['-f', dir, '-s', '-t', '60'], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HOME: dir },
      }),
    );
    const file = createWriteStream(path.join(dir, 'stdout.log'));
    const onData = (d: Buffer): void => {
      file.write(d);
      this.stdout += d.toString('utf8');
    };
    this.proc.stdout?.on('data', onData);
    this.proc.stderr?.on('data', onData);
  }

  /** Write a fresh config dir (`config` + `accounts`, alice registering every `regint` s) and start baresip on it. */
  static start(dir: string, transport: Transport, serverPort: number, ctrlPort: number, regint: number): Baresip {
    mkdirSync(dir, { recursive: true });
    const modulePath = process.env.SOFTPHONES_BARESIP_MODULES ?? '/usr/lib/baresip/modules';
    writeFromTemplate('baresip.config.in', path.join(dir, 'config'), {
      TRANSPORT: transport, DIR: dir, MODULE_PATH: modulePath, CTRL_PORT: ctrlPort,
    });
    writeFileSync(
      path.join(dir, 'accounts'),
      `<sip:alice@${HOST}:${serverPort};transport=${transport}>;auth_pass=secret;regint=${regint}\n`,
    );
    return new Baresip(dir, serverPort);
  }

  /** The SIP messages in baresip's trace so far. */
  trace(): SipMsg[] {
    return baresipTrace(this.stdout, this.serverPort);
  }

  traceOf(callId: string): string {
    return `client trace for ${callId}:\n${ofCall(this.trace(), callId).map(brief).join('\n')}`;
  }

  /** The "registered" line baresip's menu prints: `alice@127.0.0.1: {0/UDP/v4} 200 OK (sip4xx) [1 binding]`. */
  registeredLine(transport: Transport): string | undefined {
    const re = new RegExp(`alice@${HOST.replace(/\./g, '\\.')}: \\{\\d+/${transport.toUpperCase()}/v4\\} 200 OK[^\\n]*`);
    return re.exec(stripAnsi(this.stdout))?.[0];
  }

  failedRegistration(): string | undefined {
    return /reg: [^\n]*: Register: [^\n]*|[^\n]*\{\d+\/[A-Z]+\/v4\} [3-6]\d\d [^\n]*/.exec(stripAnsi(this.stdout))?.[0];
  }

  async quit(ctrl: BaresipCtrl | undefined): Promise<void> {
    if (ctrl && !exited(this.proc)) await ctrl.command('quit', '', 2000);
    ctrl?.close();
    await stopAfter(this.proc, 5000);
  }

  outputTail(n = 40): string {
    return `baresip output (tail):\n${tail(stripAnsi(this.stdout).replace(/\[\d+:\d\d:\d\d\] audio=[^\n\r]*/g, ''), n)}`;
  }
}
