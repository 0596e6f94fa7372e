/** The transports every case runs over, and the loopback address every process binds. */
export const HOST = '127.0.0.1';

export type Transport = 'udp' | 'tcp';
export const TRANSPORTS: readonly Transport[] = ['udp', 'tcp'];
