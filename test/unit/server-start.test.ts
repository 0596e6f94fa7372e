/**
 * The server's start paths — bin/sip4xx (which `npm start` runs), the image's ENTRYPOINT and ENV,
 * and the benches (bench/server-start.ts) — run node with the same heap flags and glibc's malloc
 * with the same tunables: a figure the benches measure is the one a user of any of them gets.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVER_GLIBC_TUNABLES, SERVER_NODE_FLAGS } from '../../bench/server-start.js';

const read = (file: string): string => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

describe('the start paths', () => {
  it('npm start is bin/sip4xx', () => {
    expect((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['start']).toBe('bin/sip4xx');
  });

  it('bin/sip4xx sets the tunables unless the environment has its own, and execs node with the flags', () => {
    const script = read('bin/sip4xx');
    expect(script).toContain(`export GLIBC_TUNABLES="\${GLIBC_TUNABLES:-${SERVER_GLIBC_TUNABLES}}"`);
    const execs = script.split('\n').filter((l) => l.trimStart().startsWith('exec node '));
    expect(execs).toHaveLength(2);
    for (const line of execs) expect(line).toContain(`exec node ${SERVER_NODE_FLAGS.join(' ')} `);
  });

  it('the image has the same ENV and ENTRYPOINT flags', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(new RegExp(`^\\s+GLIBC_TUNABLES=${SERVER_GLIBC_TUNABLES.replace(/\./g, '\\.')}$`, 'm'));
    expect(dockerfile).toContain(`ENTRYPOINT ${JSON.stringify(['node', ...SERVER_NODE_FLAGS, 'dist/main.js']).replace(/,/g, ', ')}`);
  });
});
