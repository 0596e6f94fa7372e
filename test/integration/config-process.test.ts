/**
 * Configuration through the real process: flags and SIP4XX_* variables for keys that are not
 * leaves of the defaults take effect, and every refusal is one line on stderr with exit status 2
 * naming the flag, variable or file that gave the bad value. Every wait is bounded (startDaemon).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildRequest, freePort, startDaemon, udpClientFor, type Daemon } from '../helpers/index.js';

const daemons: Daemon[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const d of daemons.splice(0)) d.kill();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function daemon(args: string[], env: Record<string, string> = {}): Daemon {
  const d = startDaemon(['--admin-port', '0', ...args], env);
  daemons.push(d);
  return d;
}

/** Exit status and everything written to stderr, once the process has exited. */
async function refusal(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const d = daemon(args, env);
  const code = await d.exited();
  const stderr = d.lines
    .filter((l) => l.startsWith('stderr: '))
    .map((l) => l.slice('stderr: '.length))
    .join('');
  return { code, stderr };
}

async function answerTo(env: Record<string, string>, args: string[], user: string): Promise<number> {
  const port = await freePort();
  const d = daemon(['--host', '127.0.0.1', '--port', String(port), ...args], env);
  await d.waitFor((l) => l.msg === 'listening');
  const client = await udpClientFor('127.0.0.1', port);
  try {
    const final = await client.request(buildRequest({ uri: `sip:${user}@127.0.0.1`, via: `SIP/2.0/UDP 127.0.0.1:${client.port};branch=z9hG4bK${user}cfg;rport` }));
    return final.status;
  } finally {
    await client.close();
  }
}

describe('configuration of the sip4xx process', () => {
  it("runs the README's example --users.alice '{behaviour: busy}' exactly as printed: alice is busy (486)", async () => {
    expect(await answerTo({}, ['--users.alice', '{behaviour: busy}'], 'alice')).toBe(486);
  });

  it("adds a user from SIP4XX_USERS__CAROL='{behaviour: busy}' (486)", async () => {
    expect(await answerTo({ SIP4XX_USERS__CAROL: '{behaviour: busy}' }, [], 'carol')).toBe(486);
  });

  it('refuses a bad flag value naming the flag, not a config file, with exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sip4xx-cfg-'));
    dirs.push(dir);
    const file = join(dir, 'my.yaml');
    writeFileSync(file, 'log: { level: warn }\n');
    expect(await refusal(['--config', file, '--server.port', '70000'])).toEqual({
      code: 2,
      stderr: 'sip4xx: invalid configuration: server.port (from --server.port): Too big: expected number to be <=65535\n',
    });
  });

  it('refuses a bad value from the config file naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sip4xx-cfg-'));
    dirs.push(dir);
    const file = join(dir, 'my.yaml');
    writeFileSync(file, 'limits: { tcp: { maxConnections: 0 } }\n');
    expect(await refusal(['--config', file])).toEqual({
      code: 2,
      stderr: `sip4xx: invalid configuration: limits.tcp.maxConnections (from ${file}): Too small: expected number to be >0\n`,
    });
  });

  it('refuses a misspelled SIP4XX_ variable naming it, with exit 2', async () => {
    expect(await refusal([], { SIP4XX_LIMITS__MAX_BODY_BYTE: '1000' })).toEqual({
      code: 2,
      stderr: 'sip4xx: invalid configuration (environment): SIP4XX_LIMITS__MAX_BODY_BYTE: names no configuration key (see --help)\n',
    });
  });

  it('refuses a bad value from a variable naming the variable', async () => {
    expect(await refusal([], { SIP4XX_PORT: 'fifty' })).toEqual({
      code: 2,
      stderr: 'sip4xx: invalid configuration: server.port (from SIP4XX_PORT): Invalid input: expected number, received string\n',
    });
  });
});
