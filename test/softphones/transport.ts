/** The transports the cases run over, and the loopback address every process binds. */
export const HOST = '127.0.0.1';

export type Transport = 'udp' | 'tcp' | 'tls';
/** Every case runs over these; TLS (RFC 3261 §26.2) runs the register and busy cases. */
export const TRANSPORTS: readonly Transport[] = ['udp', 'tcp'];
