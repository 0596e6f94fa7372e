/**
 * The live console (README, "Console") in Chromium: the page served by sip4xx's admin endpoint,
 * real SIP calls placed over UDP by console-sip.ts (busy → 486, ringing + CANCEL → 487, answer +
 * BYE), and the calls list, the ladder, the raw bytes and the stubs form checked against what went
 * over the socket. It also takes docs/console.png.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { record } from '../softphones/results.js';
import { REPO_ROOT } from '../softphones/suite-files.js';
import { HOST } from '../softphones/transport.js';
import { sleep } from '../softphones/wait-for.js';
import type { Chromium } from './browser.js';
import { ConsoleUac, type TraceItem } from './console-sip.js';

export interface ConsoleSetup {
  readonly chromium: Chromium;
  readonly adminPort: number;
  readonly sipPort: number;
  /** Write docs/console.png (the suite does; BROWSER_SCREENSHOT=0 turns it off). */
  readonly screenshot: boolean;
}

/** Polls an async probe every 50 ms until it holds or `ms` passes. */
async function waitFor(probe: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

interface LadderRow {
  readonly label: string;
  readonly flags: string[];
  readonly cls: string;
}

async function ladder(page: Page): Promise<LadderRow[]> {
  return page.$$eval('#ladder .msg', (buttons) =>
    buttons.map((b) => {
      const label = b.querySelector('.label');
      const flags = [...(label?.querySelectorAll('.flag') ?? [])].map((f) => f.textContent ?? '');
      return { label: label?.firstChild?.textContent ?? '', flags, cls: b.className };
    }),
  );
}

/** The calls-list row of a Call-ID (its title starts with the Call-ID). */
const rowLocator = (page: Page, callId: string) => page.locator(`#calls .row[title^=${JSON.stringify(`${callId} `)}]`);

/** The cells of a Call-ID's row, once it is listed (within `ms`). */
async function rowOf(page: Page, callId: string, ms = 5000): Promise<string[] | undefined> {
  const row = rowLocator(page, callId);
  const shown = await row.waitFor({ timeout: ms }).then(() => true, () => false);
  return shown ? row.locator('span').allTextContents() : undefined;
}

/** Selects a Call-ID's row from the keyboard: focus it, press Enter. */
async function selectRow(page: Page, callId: string): Promise<void> {
  await rowLocator(page, callId).focus({ timeout: 3000 });
  await page.keyboard.press('Enter');
}

/** What the ladder must show for a trace: every message, in order, each ACK flagged absorbed. */
function expected(trace: readonly TraceItem[]): { label: string; flags: string[] }[] {
  return trace.map((t) => ({ label: t.label, flags: t.dir === 'sent' && t.label.startsWith('ACK ') ? ['absorbed'] : [] }));
}

async function ladderMatches(page: Page, trace: readonly TraceItem[], ms = 4000): Promise<{ ok: boolean; got: LadderRow[] }> {
  const want = expected(trace);
  let got: LadderRow[] = [];
  const ok = await waitFor(async () => {
    got = await ladder(page);
    return JSON.stringify(got.map((r) => ({ label: r.label, flags: r.flags }))) === JSON.stringify(want);
  }, ms);
  return { ok, got };
}

/** Requests of the load case: as many as a journal of 10,000 entries would hold. */
const LOAD_REQUESTS = 10_000;

/**
 * 10,000 OPTIONS, each its own Call-ID, paced at about 4,000/s so the page keeps up with the event
 * stream; the list must hold them all with only the rows in view in the DOM, and filtering down to
 * one Call-ID must stay quick.
 */
async function loadCase(page: Page, host: string, sipPort: number): Promise<void> {
  const problems: string[] = [];
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  const local = socket.address().port;
  const tag = randomBytes(4).toString('hex');
  const t0 = Date.now();
  for (let i = 0; i < LOAD_REQUESTS; i++) {
    const callId = `load-${tag}-${i}@${host}`;
    const text = [`OPTIONS sip:load${i}@${host}:${sipPort} SIP/2.0`, `Via: SIP/2.0/UDP ${host}:${local};branch=z9hG4bK${tag}${i}`, 'Max-Forwards: 70', `From: <sip:load@${host}>;tag=${tag}`, `To: <sip:load${i}@${host}>`, `Call-ID: ${callId}`, 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n');
    socket.send(Buffer.from(text, 'latin1'), sipPort, host);
    if (i % 200 === 199) await sleep(50);
  }
  const sent = Date.now() - t0;
  const countOf = async (): Promise<number> => Number(/of (\d+)/.exec((await page.textContent('#calls-count')) ?? '')?.[1] ?? 0);
  const all = await waitFor(async () => (await countOf()) >= LOAD_REQUESTS, 20_000);
  const shown = Date.now() - t0;
  if (!all) problems.push(`the list holds ${await countOf()} groups, expected at least ${LOAD_REQUESTS}`);
  const rows = await page.locator('#calls .row').count();
  if (rows > 100) problems.push(`${rows} rows in the DOM: the list is not virtual`);
  const target = `load-${tag}-${LOAD_REQUESTS / 2}@${host}`;
  const f0 = Date.now();
  await page.fill('#filter', target);
  const one = await waitFor(async () => ((await page.textContent('#calls-count')) ?? '').startsWith('1 of'), 3000);
  const filterMs = Date.now() - f0;
  if (!one) problems.push(`filtering to one Call-ID: ${await page.textContent('#calls-count')}`);
  await page.fill('#filter', '');
  socket.close();
  record(`console   ${LOAD_REQUESTS} requests: all listed ${shown} ms after the first (sent in ${sent} ms), ${rows} rows in the DOM, filter to one Call-ID in ${filterMs} ms`, problems);
}

export async function consoleCases(s: ConsoleSetup): Promise<void> {
  const base = `http://${HOST}:${s.adminPort}`;
  await fetch(`${base}/api/requests`, { method: 'DELETE', signal: AbortSignal.timeout(3000) });
  const page = await s.chromium.page(`${base}/`, []);
  const uac = await ConsoleUac.open(HOST, s.sipPort);
  try {
    await page.setViewportSize({ width: 1440, height: 860 });
    const headers = await fetch(`${base}/`, { signal: AbortSignal.timeout(3000) }).then((r) => [r.status, r.headers.get('content-type'), r.headers.get('content-security-policy')]);
    const live = await waitFor(async () => (await page.textContent('#status'))?.startsWith('live') === true, 5000);
    record('console   page served at / with a strict CSP, live on /api/events', [
      ...(headers[0] === 200 && headers[1] === 'text/html; charset=utf-8' ? [] : [`GET / → ${headers[0]} ${headers[1]}`]),
      ...(String(headers[2]).startsWith("default-src 'none'; script-src 'self'") ? [] : [`CSP: ${headers[2]}`]),
      ...(live === true ? [] : [`status: ${await page.textContent('#status')}`]),
    ]);

    const flows: [string, () => Promise<{ callId: string; code: number }>, number][] = [
      ['busy → 486, ACK', () => uac.call('busy'), 486],
      ['ringing + CANCEL → 487, ACK', () => uac.ringThenCancel('ringing'), 487],
      ['answer → 200, ACK, BYE', () => uac.call('answer', 300), 200],
    ];
    let ringing = '';
    for (const [name, place, code] of flows) {
      const problems: string[] = [];
      let got: LadderRow[] = [];
      let callId = '';
      try {
        const r = await place();
        callId = r.callId;
        if (code === 487) ringing = callId;
        if (r.code !== code) problems.push(`final ${r.code}, expected ${code}`);
        // The row appears with the first message and takes its final code when that event lands:
        // wait (bounded) for the final rather than read the row the moment it exists.
        let row = await rowOf(page, callId);
        await waitFor(async () => (row = await rowOf(page, callId, 500))?.[3]?.startsWith(`${code} `) === true, 5000);
        if (row === undefined) problems.push('no row in the calls list');
        else if (row[1] !== 'INVITE' || row[2] !== 'console-test → ' + (code === 486 ? 'busy' : code === 487 ? 'ringing' : 'answer') || !row[3]!.startsWith(`${code} `) || row[4] !== 'UDP' || row[5] !== `${HOST}:${uac.localPort}`) problems.push(`row: ${JSON.stringify(row)}`);
        await selectRow(page, callId);
        const m = await ladderMatches(page, uac.of(callId));
        got = m.got;
        if (!m.ok) problems.push('the ladder differs from the messages on the socket');
        const final = got.findIndex((x) => x.label.startsWith(`${code} `));
        if (final < 0 || !got[final]!.cls.includes(code >= 400 ? 'c4' : 'c2')) problems.push(`the final ${code} is not coloured as its class`);
      } catch (err) {
        problems.push(String(err));
      }
      record(`console   ${name}: listed, and its ladder shows every message in order`, problems, () => [
        `socket:\n${uac.of(callId).map((t) => `${t.dir} ${t.label}`).join('\n')}`,
        `ladder:\n${got.map((r) => `${r.label} ${r.flags.join(',')}`).join('\n')}`,
      ]);
    }

    // Clicking a message shows its raw bytes: the 487 as received.
    {
      await selectRow(page, ringing);
      const want = uac.of(ringing).find((t) => t.label.startsWith('487 '))?.text ?? '';
      const idx = (await ladder(page)).findIndex((r) => r.label.startsWith('487 '));
      await page.locator('#ladder .msg').nth(Math.max(0, idx)).click();
      const raw = await page.textContent('#raw');
      const copyEnabled = await page.isEnabled('#copy-raw');
      record('console   click a message: the raw text shown is the bytes received', raw === want && want !== '' && copyEnabled ? [] : [`raw shown:\n${raw}\nexpected:\n${want}`]);
      if (s.screenshot) await page.screenshot({ path: path.join(REPO_ROOT, 'docs/console.png') });
    }

    // Export call as text: every message of the call, in order, each with its bytes.
    {
      const problems: string[] = [];
      const dir = mkdtempSync(path.join(os.tmpdir(), 'sip4xx-console-'));
      try {
        const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 5000 }), page.click('#export-call')]);
        const file = path.join(dir, 'call.txt');
        await dl.saveAs(file);
        const text = readFileSync(file, 'latin1');
        const heads = text.split('\n').filter((l) => l.startsWith('=== ')).map((l) => l.replace(/^.*?: /, '').replace(/ \[.*\]$/, ''));
        const trace = uac.of(ringing);
        if (JSON.stringify(heads) !== JSON.stringify(trace.map((t) => t.label))) problems.push(`message lines: ${JSON.stringify(heads)}`);
        let at = 0;
        for (const t of trace) {
          const i = text.indexOf(t.text.replace(/\r\n/g, '\n'), at);
          if (i < 0) problems.push(`missing or out of order: ${t.label}`);
          else at = i + 1;
        }
        if (dl.suggestedFilename() !== `sip4xx-${ringing.replace(/[^A-Za-z0-9._-]+/g, '_')}.txt`) problems.push(`file name ${dl.suggestedFilename()}`);
      } catch (err) {
        problems.push(String(err));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      record('console   export call as text: every message in order with its bytes', problems);
    }

    // A stub added from the form answers the next call; deleted from the list, it is gone.
    {
      const problems: string[] = [];
      await page.fill('#stub-code', '600');
      await page.fill('#stub-user', '^carol$');
      await page.fill('#stub-method', 'INVITE');
      await page.click('#stub-form button[type=submit]');
      const listed = await waitFor(async () => ((await page.textContent('#stubs')) ?? '').includes('→ 600'), 3000);
      if (listed !== true) problems.push(`stub not listed: ${await page.textContent('#stubs')} ${await page.textContent('#stub-error')}`);
      const r = await uac.call('carol');
      if (r.code !== 600) problems.push(`carol answered ${r.code}, expected 600 from the stub`);
      const api = (await (await fetch(`${base}/api/requests?callId=${encodeURIComponent(r.callId)}&method=INVITE`, { signal: AbortSignal.timeout(3000) })).json()) as { requests: { rule: string | null }[] };
      const rule = api.requests[0]?.rule ?? '';
      const row = await rowOf(page, r.callId);
      if (row?.[3] !== '600 Busy Everywhere' || row[6] !== rule || rule === '') problems.push(`row ${JSON.stringify(row)}, journal rule ${rule}`);
      await page.click('#stubs li:has-text("→ 600") button');
      const gone = await waitFor(async () => !((await page.textContent('#stubs')) ?? '').includes('→ 600'), 3000);
      const stubs = (await (await fetch(`${base}/api/stubs`, { signal: AbortSignal.timeout(3000) })).json()) as { stubs: { match?: { user?: string } }[] };
      if (gone !== true || stubs.stubs.some((x) => x.match?.user === '^carol$')) problems.push('the stub was not deleted');
      record('console   stub form: 600 for INVITE to carol answers the next call; Delete removes it', problems);
    }
    await loadCase(page, HOST, s.sipPort);
  } finally {
    uac.close();
    await page.context().close();
  }
}
