import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { helpText } from '../../../src/cli.js';
import { DEFAULT_CONFIG_PATH, defaultTree, leafPaths } from '../../../src/config/load.js';
import { describeChanges, isRestartOnly, keepRestartOnly, restartOnlyChanges } from '../../../src/config/restart-only.js';
import { RESTART_ONLY_KEYS } from '../../../src/config/schema.js';
import { testConfig } from '../../helpers/index.js';

describe('restart-only configuration keys', () => {
  it('names only leaf keys of the defaults, each once', () => {
    const leaves = new Set(leafPaths(defaultTree()).map((p) => p.join('.')));
    for (const key of RESTART_ONLY_KEYS) expect(leaves).toContain(key);
    expect(new Set(RESTART_ONLY_KEYS).size).toBe(RESTART_ONLY_KEYS.length);
  });

  it('finds exactly the restart-only keys a new configuration changes, old and new value', () => {
    const running = testConfig();
    const next = testConfig({
      server: { port: 5070, host: '127.0.0.1', serverHeader: 'other' },
      admin: { port: 0 },
      limits: { maxBodyBytes: 1000 },
      transactions: { maxDialogs: 5, t1Ms: 250 },
    });
    expect(restartOnlyChanges(running, next)).toEqual([
      { key: 'server.host', from: '0.0.0.0', to: '127.0.0.1' },
      { key: 'server.port', from: 5060, to: 5070 },
      { key: 'admin.port', from: 8080, to: 0 },
      { key: 'transactions.maxDialogs', from: 10000, to: 5 },
    ]);
  });

  it('finds nothing when only live keys change', () => {
    const next = testConfig({ limits: { maxBodyBytes: 1000, tcp: { maxConnections: 3 } }, log: { level: 'debug' }, auth: { maxNonces: 10 } });
    expect(restartOnlyChanges(testConfig(), next)).toEqual([]);
  });

  it('keeps the running value of each changed restart-only key and takes every other key from the new configuration', () => {
    const running = testConfig();
    const next = testConfig({ server: { port: 5070 }, log: { pretty: true }, limits: { maxBodyBytes: 1000 } });
    const kept = keepRestartOnly(next, restartOnlyChanges(running, next));
    expect(kept.server.port).toBe(5060);
    expect(kept.log.pretty).toBe(false);
    expect(kept.limits.maxBodyBytes).toBe(1000);
    expect(next.server.port).toBe(5070); // the validated, frozen input is left alone
  });

  it('describes each change as key old → new, for the one warning line', () => {
    const changes = restartOnlyChanges(testConfig(), testConfig({ server: { port: 5070, host: '::' } }));
    expect(describeChanges(changes)).toBe('server.host "0.0.0.0" → "::", server.port 5060 → 5070');
  });

  it('marks each restart-only key, and no other, in --help', () => {
    const lines = helpText(defaultTree(), '9.9.9').split('\n');
    const marked = lines.filter((l) => l.endsWith('[restart-only]')).map((l) => /^ {2}--(\S+) /.exec(l)?.[1]);
    expect(marked).toEqual([...RESTART_ONLY_KEYS].sort((a, b) => order(a) - order(b)));
    expect(lines).toContain('  --server.port  SIP4XX_SERVER__PORT  (default 5060)  [restart-only]');
    expect(isRestartOnly(['limits', 'maxBodyBytes'])).toBe(false);
  });

  it('marks each restart-only key, and no other, in config/default.yaml', () => {
    const marked = leafPaths(defaultTree())
      .map((p) => p.join('.'))
      .filter((key) => commentAbove(key).includes('[restart-only]'));
    expect(marked).toEqual([...RESTART_ONLY_KEYS].sort((a, b) => order(a) - order(b)));
  });
});

const YAML_LINES = readFileSync(DEFAULT_CONFIG_PATH, 'utf8').split('\n');

/** The comment lines right above a key's line in config/default.yaml ('' for a key inside a list). */
function commentAbove(key: string): string {
  let at = -1;
  key.split('.').forEach((part, depth) => {
    const line = `${'  '.repeat(depth)}${part}:`;
    at = YAML_LINES.findIndex((l, i) => i > at && l.startsWith(line));
  });
  const comments: string[] = [];
  for (let i = at - 1; i >= 0 && /^\s*#/.test(YAML_LINES[i] as string); i--) comments.push(YAML_LINES[i] as string);
  return comments.join('\n');
}

/** Position of a key among the leaves of the defaults (the order of --help). */
function order(key: string): number {
  return leafPaths(defaultTree())
    .map((p) => p.join('.'))
    .indexOf(key);
}
