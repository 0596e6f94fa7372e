/**
 * Debian's chromium, headless, driven by playwright-core: launched as a BrowserServer so its process
 * is ours by pid (tracked with the other children, stopped at the end, on a signal, by the watchdog).
 * Nothing downloads a browser: the executable is /usr/bin/chromium.
 */
import { chromium, type Browser, type BrowserServer, type Page } from 'playwright-core';
import { track } from '../softphones/child-processes.js';

export const CHROMIUM = process.env.BROWSER_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // sip4xx's WSS listener serves a certificate it generated at start (self-signed).
  '--ignore-certificate-errors',
  // getUserMedia for the calls: a fake microphone, no permission prompt.
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];

export class Chromium {
  private constructor(
    private readonly server: BrowserServer,
    readonly browser: Browser,
  ) {}

  static async launch(timeoutMs: number): Promise<Chromium> {
    const server = await chromium.launchServer({ executablePath: CHROMIUM, args: ARGS, timeout: timeoutMs, handleSIGINT: false, handleSIGTERM: false });
    track(server.process());
    try {
      return new Chromium(server, await chromium.connect(server.wsEndpoint(), { timeout: timeoutMs }));
    } catch (err) {
      await server.kill();
      throw err;
    }
  }

  get version(): string {
    return this.browser.version();
  }

  /** A fresh page (its own context) with the page's console collected for failure reports. */
  async page(url: string, consoleLines: string[]): Promise<Page> {
    const context = await this.browser.newContext();
    const page = await context.newPage();
    page.on('console', (m) => {
      if (consoleLines.length < 200) consoleLines.push(`${m.type()}: ${m.text().slice(0, 500)}`);
    });
    page.on('pageerror', (e) => {
      if (consoleLines.length < 200) consoleLines.push(`pageerror: ${e.message.slice(0, 500)}`);
    });
    await page.goto(url, { timeout: 10_000 });
    return page;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.server.close().catch(() => undefined);
  }
}
