import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { deepMerge, defaultTree, envName, envOverrides, leafPaths, loadConfig, validate } from '../../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'sip4xx-config-'));
afterAll(async () => {
  const { rmSync } = await import('node:fs');
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration loading', () => {
  it('loads and validates the embedded defaults', () => {
    const c = loadConfig();
    expect(c.server).toMatchObject({ host: '0.0.0.0', port: 5060, udp: true, tcp: true, serverHeader: 'sip4xx' });
    expect(c.limits.maxBodyBytes).toBe(65536);
    expect(c.sip.uriSchemes).toEqual(['sip', 'sips', 'tel']);
    expect(c.defaultResponse).toEqual({ code: 404, reason: 'Not Found' });
  });

  it('freezes the result, deeply', () => {
    const c = loadConfig();
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.server)).toBe(true);
    expect(Object.isFrozen(c.sip.allow)).toBe(true);
  });

  it('merges a file over the defaults key by key, lists replacing lists', () => {
    const path = file('merge.yaml', 'server:\n  port: 5070\nsip:\n  supported: [timer]\n');
    const c = loadConfig({ file: path });
    expect(c.server.port).toBe(5070);
    expect(c.server.host).toBe('0.0.0.0'); // sibling kept
    expect(c.sip.supported).toEqual(['timer']);
    expect(c.sip.allow).toContain('INVITE');
  });

  it('reads an empty file as no overrides', () => {
    expect(loadConfig({ file: file('empty.yaml', '') }).server.port).toBe(5060);
  });

  it('takes SIP4XX_PORT as server.port, a number', () => {
    expect(loadConfig({ env: { SIP4XX_PORT: '5099' } }).server.port).toBe(5099);
  });

  it('takes SIP4XX_SERVER__SERVER_HEADER as server.serverHeader', () => {
    expect(loadConfig({ env: { SIP4XX_SERVER__SERVER_HEADER: 'acme-sbc 1.0' } }).server.serverHeader).toBe('acme-sbc 1.0');
  });

  it.each([
    ['SIP4XX_SERVER__SERVER_HEADER', '2.0', (c: ReturnType<typeof loadConfig>) => c.server.serverHeader],
    ['SIP4XX_HOST', '::', (c: ReturnType<typeof loadConfig>) => c.server.host],
    ['SIP4XX_AUTH__REALM', '12345', (c: ReturnType<typeof loadConfig>) => c.auth.realm],
  ] as const)('keeps %s=%s as text because the key is a string', (name, value, read) => {
    expect(read(loadConfig({ env: { [name]: value } }))).toBe(value);
  });

  it('reads a list from an environment variable as YAML', () => {
    expect(loadConfig({ env: { SIP4XX_SIP__SUPPORTED: '[timer, 100rel]' } }).sip.supported).toEqual(['timer', '100rel']);
  });

  it('layers defaults ← file ← environment ← overrides', () => {
    const path = file('layers.yaml', 'server:\n  port: 5070\n  serverHeader: from-file\nlog:\n  level: warn\n');
    const c = loadConfig({ file: path, env: { SIP4XX_PORT: '5080', SIP4XX_LOG_LEVEL: 'debug' }, overrides: { server: { port: 5090 } } });
    expect([c.server.port, c.server.serverHeader, c.log.level]).toEqual([5090, 'from-file', 'debug']);
  });

  it('ignores environment variables without the SIP4XX_ prefix, and the two the process reads itself', () => {
    expect(envOverrides({ PATH: '/bin', sip4xx_port: '1', SIP4XX_CONFIG: 'my.yaml', SIP4XX_ADMIN_TOKEN: 't' })).toEqual({});
  });

  it('names the variable of every key: camelCase to SNAKE, levels joined by __', () => {
    expect(envName(['limits', 'tcp', 'maxConnections'])).toBe('SIP4XX_LIMITS__TCP__MAX_CONNECTIONS');
    expect(leafPaths(defaultTree()).map((p) => p.join('.'))).toContain('limits.maxBodyBytes');
  });

  it('refuses an invalid file listing every bad key with its path and the file at once', () => {
    const path = file(
      'bad.yaml',
      ['server:', '  port: seventy', '  bogus: 1', 'limits:', '  maxBodyBytes: -1', 'log:', '  level: loud', 'sip:', '  allow: ["IN VITE"]', 'nonsense: true', ''].join('\n'),
    );
    const err = configError(() => loadConfig({ file: path }));
    expect(err.code).toBe('SIP4XX_CONFIG_INVALID');
    expect(err.source).toBeUndefined();
    const byPath = err.problems.map((p) => p.split(` (from ${path}): `)[0]);
    expect(byPath).toEqual(expect.arrayContaining(['server.port', 'server', 'limits.maxBodyBytes', 'log.level', 'sip.allow.0', '(top level)']));
    expect(err.problems.find((p) => p.startsWith('server '))).toContain('bogus');
    expect(err.problems.find((p) => p.startsWith('(top level)'))).toContain('nonsense');
    expect(err.message).toContain(path);
  });

  it('refuses a file that is not YAML, or not a mapping, naming the file', () => {
    const notYaml = file('broken.yaml', 'server: [unclosed\n');
    expect(configError(() => loadConfig({ file: notYaml })).problems[0]).toMatch(/^not valid YAML/);
    const list = file('list.yaml', '- a\n- b\n');
    expect(configError(() => loadConfig({ file: list })).problems).toEqual(['the top level must be a mapping of keys']);
  });

  it('refuses a file that cannot be read', () => {
    expect(configError(() => loadConfig({ file: join(dir, 'missing.yaml') })).problems[0]).toMatch(/^cannot read file/);
  });

  it('validates a merged tree the same way: a bad value from the environment is refused with its path', () => {
    const err = configError(() => validate(deepMerge(defaultTree(), envOverrides({ SIP4XX_PORT: '70000' })), 'env'));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(/^server\.port \(from env\): /);
  });
});
