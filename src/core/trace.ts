/**
 * `--log-level debug`: every message in and out, raw (its first MAX_RAW_BYTES, marked when cut),
 * with direction, transport and peer. The core wraps a flow only while debug is on, so at other
 * levels nothing here runs; the transport code is untouched.
 */
import type { Logger } from 'pino';
import type { Flow } from '../transport/flow.js';
import { boundedRaw } from './log-fields.js';

/** Logs `data` as received on `flow`, and returns the flow with a send that logs what it sends. */
export function tracedFlow(flow: Flow, logger: Logger, data: Buffer): Flow {
  const transport = flow.transport;
  const peer = `${flow.remote.address}:${flow.remote.port}`;
  logger.debug({ dir: 'in', transport, peer, bytes: data.length, raw: boundedRaw(data) }, 'received');
  const send = flow.send;
  return {
    ...flow,
    // Over a connection the bytes go back on it whatever `to` says (§18.2.2): the peer is the flow's.
    send: (out, to) => {
      const dest = transport === 'udp' ? `${to.address}:${to.port}` : peer;
      logger.debug({ dir: 'out', transport, peer: dest, bytes: out.length, raw: boundedRaw(out) }, 'sent');
      send(out, to);
    },
    close: () => flow.close(),
  };
}
