/**
 * The page the browser loads, served by a tiny HTTP server on 127.0.0.1: index.html, page.js and
 * JsSIP. JsSIP 3.13 ships CommonJS only (no dist/ build), so esbuild (installed with tsx) bundles
 * node_modules/jssip/lib/JsSIP.js once into a browser script exposing `JsSIP`; nothing is fetched
 * from a network.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '../..');

async function bundleJssip(): Promise<Buffer> {
  const out = await build({
    entryPoints: [path.join(REPO_ROOT, 'node_modules/jssip/lib/JsSIP.js')],
    bundle: true,
    format: 'iife',
    globalName: 'JsSIP',
    platform: 'browser',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const file = out.outputFiles[0];
  if (!file) throw new Error('esbuild produced no JsSIP bundle');
  return Buffer.from(file.contents);
}

export interface PageServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function servePage(host: string): Promise<PageServer> {
  const files = new Map<string, { type: string; body: Buffer }>([
    ['/', { type: 'text/html; charset=utf-8', body: readFileSync(path.join(HERE, 'index.html')) }],
    ['/page.js', { type: 'text/javascript; charset=utf-8', body: readFileSync(path.join(HERE, 'page.js')) }],
    ['/jssip.js', { type: 'text/javascript; charset=utf-8', body: await bundleJssip() }],
  ]);
  const server = http.createServer((req, res) => {
    const file = files.get(req.url ?? '');
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length, 'cache-control': 'no-store' });
    res.end(file.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
