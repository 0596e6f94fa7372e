/**
 * The listeners beside UDP and TCP: TLS (RFC 3261 §26), WebSocket and secure WebSocket (RFC 7118),
 * each on its own port, 0 for off. They are optional the way the admin endpoint is (README,
 * "Operating it"): one that cannot bind is logged as an error and the server serves without it, so
 * `npm start` still runs where another program holds 5061 or 8088. An unreadable certificate file
 * is a configuration error and stops the start.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { bounded } from '../core/log-fields.js';
import { certificateNames, generateCredentials, readCredentials, type Credentials } from './certificate.js';
import type { MessageHandler } from './flow.js';
import { startTls, type TlsTransport } from './tls.js';
import { startWs, type WsTransport } from './ws.js';

export interface SecureListeners {
  readonly tls: TlsTransport | undefined;
  readonly ws: WsTransport | undefined;
  readonly wss: WsTransport | undefined;
  /** Re-reads configured certificate files for new TLS and WSS connections (SIGHUP). */
  reloadCredentials(next: Readonly<Config>): void;
  close(): Promise<void>;
}

export interface ListenerOptions {
  readonly config: () => Readonly<Config>;
  readonly handler: MessageHandler;
  readonly logger: Logger;
  /** Names and addresses a generated certificate must cover (server.ts localIdentities). */
  readonly names: () => Iterable<string>;
}

async function credentialsFor(config: Readonly<Config>, opts: ListenerOptions): Promise<Credentials> {
  const { cert, key } = config.server.tls;
  if (cert !== '' || key !== '') return readCredentials(config.server.tls);
  const names = certificateNames([config.server.host, ...opts.names()]);
  const creds = await generateCredentials(names);
  opts.logger.info({ fingerprint: creds.fingerprint, names: names.map((n) => bounded(n)) }, 'tls certificate generated (self-signed)');
  return creds;
}

/** Starts one listener; a failure to bind is logged and leaves it off. */
async function optional<T>(what: string, port: number, logger: Logger, start: () => Promise<T>): Promise<T | undefined> {
  try {
    return await start();
  } catch (err) {
    logger.error({ port, reason: bounded((err as Error).message, 512) }, `${what} listener unavailable; serving without it`);
    return undefined;
  }
}

export async function startSecureListeners(opts: ListenerOptions): Promise<SecureListeners> {
  const config = opts.config();
  const { host, tls: tlsConfig, ws: wsConfig, wss: wssConfig } = config.server;
  const { handler, logger } = opts;
  const limits = () => opts.config().limits;
  const needsCert = tlsConfig.port !== 0 || wssConfig.port !== 0;
  let creds = needsCert ? await credentialsFor(config, opts) : undefined;
  const pem = (c: Credentials) => ({ cert: c.cert, key: c.key, ...(c.ca === undefined ? {} : { ca: c.ca }) });
  const base = { host, handler, logger, limits };
  const tls =
    creds === undefined || tlsConfig.port === 0
      ? undefined
      : await optional('tls', tlsConfig.port, logger, () =>
          startTls({ ...base, port: tlsConfig.port, credentials: pem(creds!), requestClientCert: tlsConfig.requestClientCert }),
        );
  const ws = wsConfig.port === 0 ? undefined : await optional('ws', wsConfig.port, logger, () => startWs({ ...base, port: wsConfig.port }));
  const wss =
    creds === undefined || wssConfig.port === 0
      ? undefined
      : await optional('wss', wssConfig.port, logger, () => startWs({ ...base, port: wssConfig.port, credentials: pem(creds!) }));
  if (creds !== undefined && (tls !== undefined || wss !== undefined)) {
    logger.info({ fingerprint: creds.fingerprint, generated: creds.generated }, 'tls certificate in use');
  }
  return {
    tls,
    ws,
    wss,
    reloadCredentials(next) {
      if (creds === undefined || (next.server.tls.cert === '' && next.server.tls.key === '')) return;
      try {
        const fresh = readCredentials(next.server.tls);
        tls?.setCredentials(pem(fresh));
        wss?.setCredentials(pem(fresh));
        if (fresh.fingerprint !== creds.fingerprint) logger.info({ fingerprint: fresh.fingerprint, was: creds.fingerprint }, 'tls certificate reloaded');
        creds = fresh;
      } catch (err) {
        logger.error({ reason: bounded((err as Error).message, 512) }, 'tls certificate reload failed; keeping the running one');
      }
    },
    async close() {
      await Promise.all([tls?.close(), ws?.close(), wss?.close()]);
    },
  };
}
