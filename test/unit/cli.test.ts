import { describe, expect, it } from 'vitest';
import { CliError, helpText, parseCli } from '../../src/cli.js';
import { defaultTree, leafPaths, loadConfig } from '../../src/config/load.js';

const defaults = defaultTree();

describe('command line', () => {
  it('takes --port 5099 as server.port, a number', () => {
    expect(parseCli(['--port', '5099'], defaults).overrides).toEqual([{ path: ['server', 'port'], value: 5099, source: '--port' }]);
  });

  it('takes --limits.maxBodyBytes 10 as limits.maxBodyBytes, and the loaded config has it', () => {
    const cli = parseCli(['--limits.maxBodyBytes', '10'], defaults);
    expect(cli.overrides).toEqual([{ path: ['limits', 'maxBodyBytes'], value: 10, source: '--limits.maxBodyBytes' }]);
    expect(loadConfig({ overrides: cli.overrides }).limits.maxBodyBytes).toBe(10);
  });

  it('accepts --flag=value and combines several flags', () => {
    const cli = parseCli(['--host=127.0.0.1', '--server.serverHeader', 'x', '--log-level', 'warn', '-c', 'my.yaml'], defaults);
    expect(cli.overrides).toEqual([
      { path: ['server', 'host'], value: '127.0.0.1', source: '--host' },
      { path: ['server', 'serverHeader'], value: 'x', source: '--server.serverHeader' },
      { path: ['log', 'level'], value: 'warn', source: '--log-level' },
    ]);
    expect(cli.configFile).toBe('my.yaml');
  });

  it('keeps --host :: as the text "::", as the help promises (dual stack)', () => {
    const cli = parseCli(['--host', '::'], defaults);
    expect(cli.overrides).toEqual([{ path: ['server', 'host'], value: '::', source: '--host' }]);
    expect(loadConfig({ overrides: cli.overrides }).server.host).toBe('::');
  });

  it('keeps --server.serverHeader 2.0 as text', () => {
    expect(loadConfig({ overrides: parseCli(['--server.serverHeader', '2.0'], defaults).overrides }).server.serverHeader).toBe('2.0');
  });

  it('reads a list flag as YAML', () => {
    expect(parseCli(['--sip.supported', '[timer, path]'], defaults).overrides).toEqual([{ path: ['sip', 'supported'], value: ['timer', 'path'], source: '--sip.supported' }]);
  });

  it('refuses an unknown flag with a stable code, pointing at --help', () => {
    let err: unknown;
    try {
      parseCli(['--prot', '5060'], defaults);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).code).toBe('SIP4XX_BAD_ARGUMENTS');
    expect((err as Error).message).toMatch(/--prot.*see --help/s);
  });

  it('refuses a positional argument', () => {
    expect(() => parseCli(['start'], defaults)).toThrow(CliError);
  });

  it('recognises -h/--help and -v/--version', () => {
    expect(parseCli(['-h'], defaults).help).toBe(true);
    expect(parseCli(['--version'], defaults).version).toBe(true);
    expect(parseCli([], defaults)).toEqual({ help: false, version: false, configFile: undefined, overrides: [] });
  });

  it('lists every configuration key in --help with its flag, variable and default', () => {
    const text = helpText(defaults, '9.9.9');
    expect(text).toContain('sip4xx 9.9.9');
    for (const path of leafPaths(defaults)) expect(text).toContain(`--${path.join('.')}  `);
    expect(text).toContain('--limits.maxBodyBytes  SIP4XX_LIMITS__MAX_BODY_BYTES  (default 65536)');
    expect(text).toMatch(/--port .*\(env SIP4XX_PORT\)/);
    expect(text).toMatch(/--host .*\(env SIP4XX_HOST\)/);
    expect(text).toMatch(/--log-level .*\(env SIP4XX_LOG_LEVEL\)/);
  });
});

describe('command line: keys that are not leaves of the defaults', () => {
  const load = (argv: string[]) => loadConfig({ overrides: parseCli(argv, defaults).overrides });

  it("takes the README's --users.alice '{behaviour: busy}', merged over alice's password", () => {
    expect(load(['--users.alice', '{behaviour: busy}']).users.alice).toEqual({ password: 'secret', behaviour: 'busy' });
  });

  it('adds a new user, and a later flag changes one field of it', () => {
    expect(load(['--users.carol', '{behaviour: busy}']).users.carol).toEqual({ behaviour: 'busy' });
    expect(load(['--users.carol', '{behaviour: busy}', '--users.carol.retryAfter', '7']).users.carol).toEqual({ behaviour: 'busy', retryAfter: 7 });
  });

  it('keeps a user field the schema types as text as text: --users.dave.password 1234', () => {
    expect(load(['--users.dave.password', '1234']).users.dave).toEqual({ password: '1234' });
  });

  it('adds a new alias, a list replacing nothing', () => {
    expect(load(['--aliases.crew', '[alice, busy]']).aliases).toEqual({ team: ['alice', 'bob'], crew: ['alice', 'busy'] });
  });

  it('merges a whole section over its defaults: --limits.tcp', () => {
    expect(load(['--limits.tcp', '{maxConnections: 5}']).limits.tcp).toEqual({ maxConnections: 5, maxConnectionsPerAddress: 64, idleTimeoutMs: 120000, messageTimeoutMs: 30000 });
  });

  it('replaces a list wholesale: --sip.supported', () => {
    expect(load(['--sip.supported', '[timer]']).sip.supported).toEqual(['timer']);
  });

  it('refuses nonsense through the schema, naming the flag that gave it', () => {
    expect(() => load(['--users.carol', '{behaviour: dancing}'])).toThrow(/^invalid configuration: users\.carol\.behaviour \(from --users\.carol\): /);
    expect(() => load(['--limits.tcp', '{maxConections: 5}'])).toThrow(/^invalid configuration: limits\.tcp \(from --limits\.tcp\): Unrecognized key: "maxConections"$/);
    expect(() => load(['--server.prot', '5060'])).toThrow(/^invalid configuration: server \(from --server\.prot\): Unrecognized key: "prot"$/);
  });

  it('still refuses a flag under no top-level key as unknown', () => {
    expect(() => parseCli(['--limts.maxBodyBytes', '1'], defaults)).toThrow(/^Unknown option '--limts\.maxBodyBytes'.*see --help/);
    expect(() => parseCli(['--users.', '{}'], defaults)).toThrow(CliError);
  });

  it('says in --help how map keys and unknown variables are handled', () => {
    const text = helpText(defaults, '9.9.9');
    expect(text).toContain("--users.carol '{behaviour: busy}'");
    expect(text).toContain('SIP4XX_USERS__CAROL is users.carol');
    expect(text).toContain('A SIP4XX_* variable that names no key is refused (except SIP4XX_CONFIG, SIP4XX_ADMIN_TOKEN)');
    expect(text).toContain('--users.alice.password  SIP4XX_USERS__ALICE__PASSWORD  (default "secret")');
  });
});
