/** A Flow that records instead of sending, for driving the core without sockets. */
import type { Endpoint, Flow, TransportName } from '../../src/transport/flow.js';
import { parseResponse, type ParsedResponse } from './sip-response.js';

export interface SentMessage {
  readonly data: Buffer;
  readonly to: { address: string; port: number };
}

export interface FakeFlow extends Flow {
  readonly sent: SentMessage[];
  /** How many times close() was called. */
  readonly closeCalls: number;
  /** Every sent message parsed as a response. */
  responses(): ParsedResponse[];
  /** The only response sent; throws when there is not exactly one. */
  onlyResponse(): ParsedResponse;
}

export interface FakeFlowOptions {
  readonly transport?: TransportName;
  readonly remote?: Partial<Endpoint>;
  readonly local?: Partial<Endpoint>;
}

function endpoint(e: Partial<Endpoint> | undefined, address: string, port: number): Endpoint {
  const a = e?.address ?? address;
  return { address: a, port: e?.port ?? port, family: e?.family ?? (a.includes(':') ? 'IPv6' : 'IPv4') };
}

export function fakeFlow(opts: FakeFlowOptions = {}): FakeFlow {
  const sent: SentMessage[] = [];
  let closeCalls = 0;
  return {
    transport: opts.transport ?? 'udp',
    remote: endpoint(opts.remote, '127.0.0.1', 5070),
    local: endpoint(opts.local, '127.0.0.1', 5060),
    send(data, to) {
      sent.push({ data: Buffer.from(data), to: { address: to.address, port: to.port } });
    },
    close() {
      closeCalls++;
    },
    get closeCalls() {
      return closeCalls;
    },
    sent,
    responses: () => sent.map((s) => parseResponse(s.data)),
    onlyResponse() {
      if (sent.length !== 1) throw new Error(`expected exactly one response, got ${sent.length}`);
      return parseResponse((sent[0] as SentMessage).data);
    },
  };
}
