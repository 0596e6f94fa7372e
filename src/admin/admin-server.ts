/**
 * The admin HTTP endpoint, on its own port: GET /healthz answers 200 once the SIP sockets are
 * bound (503 before and while draining), GET /metrics the Prometheus text exposition, and /api
 * the control plane (api/router.ts; README, "Control plane"), and `/` the live console that reads
 * it (console.ts; README, "Console").
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { accessMode, describeAccess } from './api/access.js';
import { handleApi, type ApiOptions } from './api/router.js';
import { isConsolePath, serveConsole } from './console.js';

export interface AdminOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  /** 'starting' | 'ready' | 'draining' — only 'ready' is healthy. */
  readonly state: () => string;
  readonly logger: Logger;
  /** The /api control plane; absent: /api answers 404 like any unknown path. */
  readonly api?: ApiOptions | undefined;
}

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startAdmin(opts: AdminOptions): Promise<AdminServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const api = opts.api;
    if (api !== undefined && (path === '/api' || path.startsWith('/api/'))) {
      handleApi(req, res, new URL(req.url ?? '/', 'http://admin'), api).catch((err: unknown) => {
        opts.logger.error({ err }, 'admin API request failed');
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('internal error\n');
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (api !== undefined && isConsolePath(path)) {
      serveConsole(req, res, path, api);
      return;
    }
    if (path === '/healthz') {
      const state = opts.state();
      res.writeHead(state === 'ready' ? 200 : 503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: state }));
      return;
    }
    if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': opts.registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          opts.logger.error({ err }, 'metrics collection failed');
          res.writeHead(500).end();
        },
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => opts.logger.error({ err }, 'admin endpoint error'));
  const port = (server.address() as AddressInfo).port;
  opts.logger.info({ host: opts.host, port }, 'admin endpoint listening');
  if (opts.api !== undefined) {
    const mode = accessMode(opts.host, opts.api.token());
    const line = describeAccess(mode, opts.host);
    if (mode === 'refused') opts.logger.warn({ access: mode }, line);
    else opts.logger.info({ access: mode }, line);
  }
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
