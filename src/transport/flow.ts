/**
 * The boundary between a transport (UDP socket, TCP connection) and the protocol core.
 *
 * A transport owns its sockets; it hands the core each complete message together with a Flow that
 * says where it came from and how to answer. The core never touches a socket
 * (docs/ARCHITECTURE.md).
 */

export type TransportName = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** TLS and secure WebSocket: the transports a `sips:` URI may arrive on (RFC 3261 §26.2.2). */
export function isSecure(t: TransportName): boolean {
  return t === 'tls' || t === 'wss';
}

/**
 * TCP and TLS carry a byte stream that Content-Length frames (§18.3); a WebSocket message is one
 * SIP message already (RFC 7118 §5), like a datagram.
 */
export function isByteStream(t: TransportName): boolean {
  return t === 'tcp' || t === 'tls';
}

export interface Endpoint {
  readonly address: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
}

export interface Flow {
  readonly transport: TransportName;
  /** The packet's source (UDP) or the connection's peer (TCP, TLS, WS, WSS). */
  readonly remote: Endpoint;
  /** The local socket address the message arrived on. */
  readonly local: Endpoint;
  /**
   * Send bytes. UDP sends a datagram to `to` (the core computes it per §18.2.2 / RFC 3581);
   * connection-oriented transports ignore `to` and write on the same connection (§18.2.2).
   * It is called detached from the flow (transactions keep the function, not the flow, and a
   * UDP transport gives all its flows the same one), so it must not use `this`.
   */
  readonly send: (data: Buffer, to: { readonly address: string; readonly port: number }) => void;
  /** Close the connection after pending writes (a stream after a 413); a no-op for UDP. */
  close(): void;
}

/** What a transport calls for every complete message it framed. Must never throw. */
export type MessageHandler = (data: Buffer, flow: Flow) => void;
