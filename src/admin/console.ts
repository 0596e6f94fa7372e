/**
 * The live console (README, "Console"): static HTML, CSS and JavaScript from the repository's
 * `console/` folder, served by the admin endpoint at `/` and `/console/*`. The page fetches
 * everything it shows from /api (GET /api/events, GET /api/requests, /api/stubs), so the journal
 * stays behind the /api access rules (api/access.ts); the files themselves hold no data. They are
 * refused (403) wherever /api is refused; where /api needs a bearer token the page asks for it.
 *
 * The files are read once, on first use, from a fixed list: no path from the request reaches the
 * file system. Every answer carries a Content-Security-Policy that allows only this origin (no
 * inline script or style, nothing from elsewhere), so the console works offline.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { accessMode } from './api/access.js';

/** The folder next to src/ (and to dist/ in the image): ../../console from this file. */
const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

const FILES: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
  '/console/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console/ladder.js': { file: 'ladder.js', type: 'text/javascript; charset=utf-8' },
  '/console/calls.js': { file: 'calls.js', type: 'text/javascript; charset=utf-8' },
  '/console/stubs.js': { file: 'stubs.js', type: 'text/javascript; charset=utf-8' },
  '/console/api.js': { file: 'api.js', type: 'text/javascript; charset=utf-8' },
  '/console/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const cache = new Map<string, Buffer>();

function body(file: string): Buffer | undefined {
  let b = cache.get(file);
  if (b === undefined) {
    try {
      b = readFileSync(CONSOLE_DIR + file);
    } catch {
      return undefined;
    }
    cache.set(file, b);
  }
  return b;
}

export function isConsolePath(path: string): boolean {
  return Object.hasOwn(FILES, path);
}

export interface ConsoleAccess {
  readonly host: string;
  readonly token: () => string;
}

/** GET or HEAD of one of the console's files (isConsolePath). */
export function serveConsole(req: IncomingMessage, res: ServerResponse, path: string, access: ConsoleAccess): void {
  const entry = FILES[path];
  const data = entry === undefined ? undefined : body(entry.file);
  if (accessMode(access.host, access.token()) === 'refused') {
    res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' }).end('console refused: the admin endpoint is not on loopback and no admin.token is set\n');
    return;
  }
  if (entry === undefined || data === undefined) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('console files not installed (console/)\n');
    return;
  }
  res.writeHead(200, {
    'Content-Type': entry.type,
    'Content-Length': data.length,
    'Content-Security-Policy': CONSOLE_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : data);
}
