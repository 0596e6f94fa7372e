/**
 * A real client against stubs set over /api: sipsak (installed, 127.0.0.1, the server's ephemeral
 * port) sends OPTIONS over UDP and TCP and shows the stubbed answers, a sequence step per request.
 * Each sipsak run is bounded (killed after 10 s).
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { apiHarness, type ApiHarness } from './api-harness.js';

const open: ApiHarness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});

function sipsak(args: readonly string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('sipsak', [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The status lines sipsak printed (it echoes what it received with -vv). */
const statusLines = (out: string) => [...out.matchAll(/^SIP\/2\.0 (\d{3} [^\r\n]*)/gm)].map((m) => m[1] ?? '');

describe('sipsak against stubs', () => {
  it.each(['udp', 'tcp'] as const)('gets the stubbed sequence over %s: 480 "First", then 403 "Then" repeating', async (transport) => {
    const h = await apiHarness();
    open.push(h);
    await h.stub({ name: 'sipsak seq', match: { method: 'OPTIONS', user: { equals: 'carol' }, transport }, respond: [{ code: 480, reason: 'First' }, { code: 403, reason: 'Then' }] });
    const uri = `sip:carol@127.0.0.1:${h.sip.port}`;
    const args = ['-vv', '-s', uri, ...(transport === 'tcp' ? ['-E', 'tcp'] : [])];
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await sipsak(args);
      expect(r.code).not.toBe(0); // sipsak exits 0 only for a 2xx
      seen.push(...statusLines(r.out));
    }
    expect(seen).toEqual(['480 First', '403 Then', '403 Then']);
    const stubs = ((await h.call('GET', '/api/stubs')).body as { stubs: { matches: number }[] }).stubs;
    expect(stubs.map((s) => s.matches)).toEqual([3]);
  });
});
