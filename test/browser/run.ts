/**
 * Browser and TLS acceptance suite: JsSIP in Debian's Chromium (driven by playwright-core) over
 * ws:// and wss:// (RFC 7118), and openssl s_client over TLS, against one sip4xx on its default
 * configuration. Only the ports are given, chosen free so that runs do not clash.
 *
 *   npm run test:browser          (or: node --import tsx test/browser/run.ts)
 *
 * One PASS/FAIL line per case; the last line is exactly "N passed, N failed"; exit status 1 when a
 * case failed. Needs `apt-get install chromium openssl`. A watchdog ends the run after 150 s; every
 * process it started (sip4xx, chromium, s_client) is stopped by pid at the end, on SIGINT/SIGTERM
 * and from the watchdog. Env: BROWSER_CHROMIUM overrides /usr/bin/chromium.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { killAllNow, stopAll } from '../softphones/child-processes.js';
import { freePorts } from '../softphones/free-ports.js';
import { fail, record, runSuite, summary } from '../softphones/results.js';
import { Sip4xx } from '../softphones/sip4xx-process.js';
import { HOST } from '../softphones/transport.js';
import { CHROMIUM, Chromium } from './browser.js';
import { consoleCases } from './console-cases.js';
import { jssipCases, type WebTransport } from './jssip-cases.js';
import { servePage, type PageServer } from './page-server.js';
import { sclientCases } from './tls-raw.js';

const SUITE_DEADLINE_MS = 150_000;
const started = Date.now();
let work = '';
let chromium: Chromium | undefined;
let pageServer: PageServer | undefined;

let cleanedUp = false;
async function cleanup(): Promise<void> {
  if (cleanedUp) return;
  cleanedUp = true;
  await chromium?.close();
  await pageServer?.close();
  await stopAll();
  if (work !== '') rmSync(work, { recursive: true, force: true });
}

function cleanupNow(): void {
  killAllNow();
  if (work !== '') rmSync(work, { recursive: true, force: true });
}

function abort(failLine: string, exitCode: number): never {
  fail(failLine);
  console.log(summary());
  cleanupNow();
  process.exit(exitCode);
}

process.on('exit', cleanupNow);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => abort(`suite interrupted by ${sig}`, 130));

/** A TCP connect to host:port succeeds (the listener is bound). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port });
    s.setTimeout(1000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

async function listening(port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await accepts(port)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    record('setup  chromium installed', [`${CHROMIUM} missing (apt-get install -y chromium)`]);
  }
  work = mkdtempSync(path.join(process.env.TMPDIR ?? os.tmpdir(), 'sip4xx-browser-'));
  const [sipPort, tlsPort, wsPort, wssPort, adminPort] = await freePorts(5);
  if (sipPort === undefined || tlsPort === undefined || wsPort === undefined || wssPort === undefined || adminPort === undefined) throw new Error('no free ports');
  // The admin port serves the console (console-cases.ts).
  const server = new Sip4xx('default configuration', sipPort, ['--server.tls.port', String(tlsPort), '--server.ws.port', String(wsPort), '--server.wss.port', String(wssPort), '--admin-port', String(adminPort)], path.join(work, 'sip4xx.log'));
  const up = (await server.ready(20_000)) && (await Promise.all([tlsPort, wsPort, wssPort].map((p) => listening(p, 5000)))).every(Boolean);
  record(`setup  sip4xx (${server.label}) listening: TLS ${tlsPort}, WS ${wsPort}, WSS ${wssPort}`, up ? [] : ['did not log "listening" and accept on every port within 25 s'], () => [server.tailLog(40)]);
  if (!up) return;

  await sclientCases(server, tlsPort);

  if (!existsSync(CHROMIUM)) return;
  pageServer = await servePage(HOST);
  chromium = await Chromium.launch(20_000);
  console.log(`browser: Chromium ${chromium.version}, JsSIP from node_modules/jssip; page ${pageServer.url}`);
  const urls: Record<WebTransport, string> = { ws: `ws://${HOST}:${wsPort}`, wss: `wss://${HOST}:${wssPort}` };
  for (const transport of ['ws', 'wss'] as const) {
    const consoleLines: string[] = [];
    const page = await chromium.page(pageServer.url, consoleLines);
    try {
      await jssipCases({ tag: `jssip     ${transport}`, transport, page, server, console: consoleLines }, urls[transport]);
    } finally {
      await page.context().close();
    }
  }
  await consoleCases({ chromium, adminPort, sipPort, screenshot: process.env.BROWSER_SCREENSHOT !== '0' });
}

await runSuite({ main, cleanup, abort, deadlineMs: SUITE_DEADLINE_MS, started });
