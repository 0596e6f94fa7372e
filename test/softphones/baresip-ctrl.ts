/** baresip's ctrl_tcp module: netstring-framed JSON commands and responses, and call events. */
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { exited } from './child-processes.js';
import { HOST } from './transport.js';
import { sleep, waitFor } from './wait-for.js';

export interface BaresipEvent {
  readonly type: string;
  readonly class?: string;
  readonly peeruri?: string;
  readonly id?: string;
  readonly param?: string;
  readonly accountaor?: string;
}

/** A ctrl_tcp connection: netstring-framed JSON commands, responses and events. */
export class BaresipCtrl {
  readonly events: BaresipEvent[] = [];
  private readonly responses = new Map<string, { ok: boolean; data: string }>();
  private buf = Buffer.alloc(0);
  private seq = 0;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (;;) {
        const colon = this.buf.indexOf(0x3a);
        if (colon < 0) return;
        const len = Number(this.buf.subarray(0, colon).toString('latin1'));
        if (!Number.isInteger(len) || this.buf.length < colon + 1 + len + 1) return;
        const body = this.buf.subarray(colon + 1, colon + 1 + len).toString('utf8');
        this.buf = this.buf.subarray(colon + 2 + len); // skip the trailing ','
        try {
          const j = JSON.parse(body) as Record<string, unknown>;
          if (j.event === true) this.events.push(j as unknown as BaresipEvent);
          else if (j.response === true && typeof j.token === 'string') {
            this.responses.set(j.token, { ok: j.ok === true, data: String(j.data ?? '') });
          }
        } catch {
          // ignore a frame we cannot read
        }
      }
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number, ms: number, client: ChildProcess): Promise<BaresipCtrl | undefined> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && !exited(client)) {
      const socket = await new Promise<net.Socket | undefined>((resolve) => {
        const s = net.connect({ host: HOST, port });
        s.once('connect', () => resolve(s));
        s.once('error', () => {
          s.destroy();
          resolve(undefined);
        });
      });
      if (socket) return new BaresipCtrl(socket);
      await sleep(100);
    }
    return undefined;
  }

  async command(command: string, params = '', ms = 3000): Promise<{ ok: boolean; data: string } | undefined> {
    const token = `t${++this.seq}`;
    const json = JSON.stringify({ command, params, token });
    this.socket.write(`${Buffer.byteLength(json)}:${json},`);
    return waitFor(() => this.responses.get(token), ms);
  }

  /** First event at or after index `from` matching `pred`. */
  waitEvent(from: number, pred: (e: BaresipEvent) => boolean, ms: number): Promise<BaresipEvent | undefined> {
    return waitFor(() => this.events.slice(from).find(pred), ms);
  }

  /** The events from index `from` on, for failure reports: `CALL_CLOSED(486 Busy Here), …`. */
  eventsSince(from: number): string {
    return `client events: ${this.events.slice(from).map((e) => `${e.type}${e.param ? `(${e.param})` : ''}`).join(', ')}`;
  }

  close(): void {
    this.socket.destroy();
  }
}
