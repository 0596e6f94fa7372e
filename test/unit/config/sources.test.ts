import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCli } from '../../../src/cli.js';
import { ConfigError, clip } from '../../../src/config/errors.js';
import { Layers } from '../../../src/config/layers.js';
import { defaultTree, envName, envSettings, loadConfig, pathOfEnvName, type LoadOptions } from '../../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'sip4xx-sources-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function refusal(opts: LoadOptions): ConfigError {
  try {
    loadConfig(opts);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const flags = (...argv: string[]) => parseCli(argv, defaultTree()).overrides;

describe('a refused value names the source that gave it', () => {
  it.each([
    ['--server.port', { overrides: flags('--server.port', '70000') }],
    ['--port', { overrides: flags('--port', '70000') }],
    ['SIP4XX_PORT', { env: { SIP4XX_PORT: '70000' } }],
    ['SIP4XX_SERVER__PORT', { env: { SIP4XX_SERVER__PORT: '70000' } }],
  ] as const)('server.port from %s', (source, opts) => {
    expect(refusal(opts).message).toBe(`invalid configuration: server.port (from ${source}): Too big: expected number to be <=65535`);
  });

  it('names the file for a key the file set, though a flag set another key of the same section', () => {
    const path = file('port.yaml', 'server: { port: 70000 }\n');
    const err = refusal({ file: path, overrides: flags('--server.host', '127.0.0.1') });
    expect(err.problems).toEqual([`server.port (from ${path}): Too big: expected number to be <=65535`]);
  });

  it('names the flag, not the file beneath it, when the flag set the bad value', () => {
    const path = file('fine.yaml', 'server: { port: 5070 }\n');
    expect(refusal({ file: path, overrides: flags('--port=-1') }).problems).toEqual(['server.port (from --port): Too small: expected number to be >=0']);
  });

  it('names the source of the key a cross-key check reports: the defaults, when a flag changed the other key', () => {
    expect(refusal({ overrides: flags('--registrar.maxExpires', '30') }).problems).toEqual(['registrar.minExpires (from defaults): must not exceed registrar.maxExpires']);
  });

  it('names the flag that set a user for a field the user lacks', () => {
    expect(refusal({ overrides: flags('--users.carol', '{behaviour: moved}') }).problems).toEqual(['users.carol.contacts (from --users.carol): a moved user needs contacts (the 302 target)']);
  });

  it('lists every bad key with its own source at once', () => {
    const path = file('two.yaml', 'limits: { maxBodyBytes: -1 }\n');
    const err = refusal({ file: path, env: { SIP4XX_LOG_LEVEL: 'loud' }, overrides: flags('--server.udp', 'yes') });
    expect(err.problems.map((p) => p.slice(0, p.indexOf(':')))).toEqual([
      'server.udp (from --server.udp)',
      'log.level (from SIP4XX_LOG_LEVEL)',
      `limits.maxBodyBytes (from ${path})`,
    ]);
  });

  it('names the source of each unknown key, not of the mapping that holds it', () => {
    const path = file('unknown.yaml', 'server: { bogus: 1 }\n');
    expect(refusal({ file: path, overrides: flags('--server.prot', '1') }).problems).toEqual([`server (from ${path}, --server.prot): Unrecognized keys: "bogus", "prot"`]);
  });
});

describe('layers', () => {
  it('merges a mapping over the one below and keeps who set each key; a scalar replaces a mapping and its sources', () => {
    const layers = new Layers();
    layers.apply({ path: [], value: { a: { b: 1, c: 2 } }, source: 'defaults' });
    layers.apply({ path: ['a'], value: { c: 3 }, source: '--a' });
    expect(layers.tree).toEqual({ a: { b: 1, c: 3 } });
    expect([layers.sourceOf(['a', 'b']), layers.sourceOf(['a', 'c']), layers.sourceOf(['a', 'missing'])]).toEqual(['defaults', '--a', '--a']);
    layers.apply({ path: ['a'], value: 5, source: 'X' });
    expect(layers.tree).toEqual({ a: 5 });
    expect(layers.sourceOf(['a', 'b'])).toBe('X');
  });

  it('takes a key "__proto__" as a key, never as a prototype', () => {
    const layers = new Layers();
    layers.apply({ path: [], value: { users: {} }, source: 'defaults' });
    layers.apply({ path: [], value: JSON.parse('{"users": {"__proto__": {"behaviour": "busy"}}}') as object, source: 'f' });
    expect(Object.getPrototypeOf(layers.tree.users)).toBe(Object.prototype);
    expect(Object.keys(layers.tree.users as object)).toEqual(['__proto__']);
  });
});

describe('environment variables', () => {
  it('map a name in users or aliases in lower case, every other level by the schema', () => {
    expect(pathOfEnvName('SIP4XX_USERS__CAROL')).toEqual(['users', 'carol']);
    expect(pathOfEnvName('SIP4XX_USERS__CAROL__RETRY_AFTER')).toEqual(['users', 'carol', 'retryAfter']);
    expect(pathOfEnvName('SIP4XX_ALIASES__CREW')).toEqual(['aliases', 'crew']);
    expect(pathOfEnvName('SIP4XX_LIMITS__TCP')).toEqual(['limits', 'tcp']);
    expect(pathOfEnvName('SIP4XX_LIMITS__TCP__MAX_CONNECTIONS')).toEqual(['limits', 'tcp', 'maxConnections']);
    expect(envName(['users', 'g729', 'codecs'])).toBe('SIP4XX_USERS__G729__CODECS');
  });

  it.each(['SIP4XX_LIMITS__MAX_BODY_BYTE', 'SIP4XX_LIMITS_MAX_BODY_BYTES', 'SIP4XX_USERS__CAROL__MOOD', 'SIP4XX_RULES__0', 'SIP4XX_LIMITS____TCP', 'SIP4XX_', 'SIP4XX_KEEP'])(
    '%s names no key',
    (name) => expect(pathOfEnvName(name)).toBeUndefined(),
  );

  it('SIP4XX_USERS__CAROL adds a user, and a deeper variable changes one field, whatever order they come in', () => {
    const env = { SIP4XX_USERS__CAROL__RETRY_AFTER: '5', SIP4XX_USERS__CAROL: '{behaviour: busy}' };
    expect(loadConfig({ env }).users.carol).toEqual({ behaviour: 'busy', retryAfter: 5 });
    expect(envSettings(env).map((s) => s.source)).toEqual(['SIP4XX_USERS__CAROL', 'SIP4XX_USERS__CAROL__RETRY_AFTER']);
  });

  it('SIP4XX_LIMITS__TCP merges over the section; the short alias comes after the long name', () => {
    const c = loadConfig({ env: { SIP4XX_PORT: '5099', SIP4XX_SERVER__PORT: '5098', SIP4XX_LIMITS__TCP: '{maxConnections: 5}' } });
    expect([c.server.port, c.limits.tcp]).toEqual([5099, { maxConnections: 5, maxConnectionsPerAddress: 64, idleTimeoutMs: 120000, messageTimeoutMs: 30000 }]);
  });

  it('refuses every misspelled SIP4XX_ variable at once, in one line naming each', () => {
    const err = refusal({ env: { SIP4XX_LIMITS__MAX_BODY_BYTE: '10', SIP4XX_KEEP: '1', SIP4XX_CONFIG: 'x.yaml', SIP4XX_ADMIN_TOKEN: 't', PATH: '/bin' } });
    expect(err.message).toBe(
      'invalid configuration (environment): SIP4XX_KEEP: names no configuration key (see --help); SIP4XX_LIMITS__MAX_BODY_BYTE: names no configuration key (see --help)',
    );
    expect(err.message).not.toContain('\n');
  });
});

describe('config errors are bounded', () => {
  it('cuts a long problem to 240 bytes on a character boundary and counts what is past 32 problems', () => {
    expect(Buffer.byteLength(clip('é'.repeat(300), 240))).toBeLessThanOrEqual(240);
    expect(clip('short', 240)).toBe('short');
    const err = new ConfigError(undefined, Array.from({ length: 40 }, (_, i) => `k${i}: ${'x'.repeat(500)}`));
    expect(err.problems).toHaveLength(33);
    expect(err.problems[32]).toBe('and 8 more');
    expect(Math.max(...err.problems.map((p) => Buffer.byteLength(p)))).toBe(240);
  });
});
