/**
 * A small SIP UAC over UDP for the console cases: it places the calls the console must draw and
 * keeps every message it sent and received, in order, as the bytes went over the socket. Requests
 * follow RFC 3261 §8.1.1; the ACK of a non-2xx final reuses the INVITE's branch (§17.1.1.3), the
 * ACK of a 2xx and the BYE are new transactions in the dialog (§13.2.2.4, §15.1.1), CANCEL copies
 * the INVITE's Request-URI, Call-ID, From, To and CSeq number (§9.1). Every wait is bounded.
 */
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';

export interface TraceItem {
  readonly dir: 'sent' | 'received';
  readonly text: string;
  /** The request line without " SIP/2.0", or the status code and reason. */
  readonly label: string;
}

const id = (): string => randomBytes(6).toString('hex');

function labelOf(text: string): string {
  const line = text.slice(0, text.indexOf('\r\n'));
  const m = /^SIP\/2\.0 (\d{3} .*)$/.exec(line);
  return m?.[1] ?? line.replace(/ SIP\/2\.0$/, '');
}

const header = (text: string, name: string): string | undefined => new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(text)?.[1]?.trim();
const codeOf = (text: string): number => Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1] ?? 0);

export class ConsoleUac {
  readonly trace: TraceItem[] = [];
  private readonly inbox: string[] = [];
  private waiter: (() => void) | undefined;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly host: string,
    private readonly port: number,
    readonly localPort: number,
  ) {
    socket.on('message', (buf) => {
      const text = buf.toString('latin1');
      this.trace.push({ dir: 'received', text, label: labelOf(text) });
      this.inbox.push(text);
      this.waiter?.();
    });
  }

  static async open(host: string, port: number): Promise<ConsoleUac> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    return new ConsoleUac(socket, host, port, socket.address().port);
  }

  close(): void {
    this.socket.close();
  }

  private send(text: string): void {
    this.trace.push({ dir: 'sent', text, label: labelOf(text) });
    this.socket.send(Buffer.from(text, 'latin1'), this.port, this.host);
  }

  /** The next received message whose CSeq method is `method` and passing `accept`, within `ms`. */
  private async next(method: string, accept: (code: number) => boolean, ms = 3000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.inbox.findIndex((t) => header(t, 'CSeq')?.endsWith(` ${method}`) === true && accept(codeOf(t)));
      if (i >= 0) return this.inbox.splice(i, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${method} response within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  private request(method: string, uri: string, d: Dialog, cseq: number, branch: string, toTag = '', body = ''): string {
    const lines = [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.host}:${this.localPort};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:console-test@${this.host}>;tag=${d.fromTag}`,
      `To: <${d.target}>${toTag === '' ? '' : `;tag=${toTag}`}`,
      `Call-ID: ${d.callId}`,
      `CSeq: ${cseq} ${method}`,
    ];
    if (method === 'INVITE') lines.push(`Contact: <sip:console-test@${this.host}:${this.localPort}>`);
    if (body !== '') lines.push('Content-Type: application/sdp');
    lines.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`, '', body);
    return lines.join('\r\n');
  }

  private sdp(): string {
    const o = `o=- 1 1 IN IP4 ${this.host}`;
    return ['v=0', o, 's=-', `c=IN IP4 ${this.host}`, 't=0 0', `m=audio ${this.localPort + 2} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
  }

  private dialog(user: string): Dialog {
    return { callId: `console-${id()}@${this.host}`, fromTag: id(), target: `sip:${user}@${this.host}:${this.port}`, branch: `z9hG4bK${id()}` };
  }

  /** INVITE to `user`, the final answer ACKed; a 2xx then BYE. Returns the Call-ID and final code. */
  async call(user: string, holdMs = 0): Promise<{ callId: string; code: number }> {
    const d = this.dialog(user);
    this.send(this.request('INVITE', d.target, d, 1, d.branch, '', this.sdp()));
    const final = await this.next('INVITE', (c) => c >= 200);
    const code = codeOf(final);
    const toTag = /;tag=([^;>\s]+)/.exec(header(final, 'To') ?? '')?.[1] ?? '';
    if (code >= 300) {
      this.send(this.request('ACK', d.target, d, 1, d.branch, toTag));
      return { callId: d.callId, code };
    }
    const contact = /<([^>]+)>/.exec(header(final, 'Contact') ?? '')?.[1] ?? d.target;
    this.send(this.request('ACK', contact, d, 1, `z9hG4bK${id()}`, toTag));
    if (holdMs > 0) await new Promise((r) => setTimeout(r, holdMs));
    this.send(this.request('BYE', contact, d, 2, `z9hG4bK${id()}`, toTag));
    await this.next('BYE', (c) => c >= 200);
    return { callId: d.callId, code };
  }

  /** INVITE to a ringing user, CANCEL on the 180, the 487 ACKed. */
  async ringThenCancel(user: string): Promise<{ callId: string; code: number }> {
    const d = this.dialog(user);
    this.send(this.request('INVITE', d.target, d, 1, d.branch, '', this.sdp()));
    await this.next('INVITE', (c) => c === 180);
    this.send(this.request('CANCEL', d.target, d, 1, d.branch));
    await this.next('CANCEL', (c) => c >= 200);
    const final = await this.next('INVITE', (c) => c >= 200);
    const toTag = /;tag=([^;>\s]+)/.exec(header(final, 'To') ?? '')?.[1] ?? '';
    this.send(this.request('ACK', d.target, d, 1, d.branch, toTag));
    return { callId: d.callId, code: codeOf(final) };
  }

  /** The trace of one Call-ID, in the order the messages went over the socket. */
  of(callId: string): TraceItem[] {
    return this.trace.filter((t) => header(t.text, 'Call-ID') === callId);
  }
}

interface Dialog {
  readonly callId: string;
  readonly fromTag: string;
  readonly target: string;
  readonly branch: string;
}
