/**
 * The /api control plane (README, "Control plane"): access check, then one handler per family of
 * paths. Errors are JSON `{ error, problems? }`; the access refusals are plain text.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../config/schema.js';
import type { Journal } from '../../journal/journal.js';
import type { Stubs } from '../../stubs/stubs.js';
import { accessMode, checkAccess } from './access.js';
import { docsPage } from './docs-page.js';
import { HttpError, sendError, sendJson } from './http.js';
import { openApiDocument } from './openapi.js';
import { sendJournalPcap, type Listeners } from './pcap.js';
import { handleJournalApi } from './requests.js';
import { handleScenarios, handleStubs } from './stubs-api.js';

/** What the API controls: the running server's state. */
export interface ControlPlane {
  readonly stubs: Stubs;
  readonly journal: Journal;
  config(): Readonly<Config>;
  /** Drop every registrar binding (POST /api/reset). */
  resetRegistrations(): void;
  /** The bound SIP listeners by transport (our side in GET /api/requests.pcap). */
  listeners?(): Listeners;
  /**
   * Workers (src/cluster/, README "Workers"): the journal paths answered from every worker's journal;
   * true when the path was one of them.
   */
  journalApi?(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** Workers: settles once every worker holds the changes made so far; a write is answered after it. */
  settled?(): Promise<void>;
  /** Workers: settles once every match count the workers sent so far is counted here. */
  sync?(): Promise<void>;
  /** Workers: POST /api/reset on every worker. */
  reset?(): Promise<void>;
}

export interface ApiOptions {
  /** The admin bind address: loopback or not decides the access mode (access.ts). */
  readonly host: string;
  /** admin.token, read per request so a reload takes effect. */
  readonly token: () => string;
  /** undefined until the SIP server is up (the admin endpoint starts first). */
  readonly control: () => ControlPlane | undefined;
}

async function route(req: IncomingMessage, res: ServerResponse, url: URL, cp: ControlPlane): Promise<void> {
  const path = url.pathname;
  const config = cp.config();
  const deps = { stubs: cp.stubs, maxStubs: config.admin.maxStubs, rules: config.rules, settled: cp.settled?.bind(cp) };
  if (path === '/api/stubs' || path.startsWith('/api/stubs/')) {
    await cp.sync?.();
    await handleStubs(req, res, path, deps);
    return;
  }
  if (path === '/api/scenarios' || path.startsWith('/api/scenarios/')) {
    await handleScenarios(req, res, path, deps);
    return;
  }
  if (cp.journalApi !== undefined && (path === '/api/requests.pcap' || path === '/api/requests' || path.startsWith('/api/requests/') || path === '/api/events')) {
    if (await cp.journalApi(req, res, url)) return;
    throw new HttpError(404, `no such path: ${path.slice(0, 128)}`);
  }
  if (path === '/api/requests.pcap') {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET');
    sendJournalPcap(res, cp.journal, cp.listeners?.() ?? {});
    return;
  }
  if (path === '/api/requests' || path.startsWith('/api/requests/') || path === '/api/events') {
    if (await handleJournalApi(req, res, url, cp.journal)) return;
    throw new HttpError(404, `no such path: ${path.slice(0, 128)}`);
  }
  if (path === '/api/reset') {
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');
    if (cp.reset !== undefined) await cp.reset();
    else {
      cp.stubs.reset(config.rules);
      cp.journal.clear();
      cp.resetRegistrations();
    }
    sendJson(res, 200, { reset: true });
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET');
  if (path === '/api/openapi.json') return sendJson(res, 200, openApiDocument());
  if (path === '/api/docs') {
    const html = docsPage();
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) }).end(html);
    return;
  }
  throw new HttpError(404, `no such path: ${path.slice(0, 128)}; see /api/docs`);
}

export async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, opts: ApiOptions): Promise<void> {
  const token = opts.token();
  const refusal = checkAccess(req, accessMode(opts.host, token), token, opts.host);
  if (refusal !== undefined) {
    res.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8', ...refusal.headers }).end(refusal.message);
    return;
  }
  const cp = opts.control();
  if (cp === undefined) {
    sendJson(res, 503, { error: 'the SIP server is still starting' });
    return;
  }
  try {
    await route(req, res, url, cp);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    // A body refused unread (413) would otherwise be read as the next request on the connection.
    if (err.status === 413) res.setHeader('Connection', 'close');
    sendError(res, err);
  }
}
