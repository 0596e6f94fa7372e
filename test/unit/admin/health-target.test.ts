/**
 * The HEALTHCHECK resolves the admin port the way the server does: container arguments, a mounted
 * config file and SIP4XX_* variables all count; with the admin endpoint off it probes SIP.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { environOf, healthTarget, nulSeparated, serverArgs } from '../../../src/admin/health-target.js';

const IMAGE_ARGV = ['node', '--initial-old-space-size=64', 'dist/main.js'];
const IMAGE_ENV = { NODE_ENV: 'production', SIP4XX_ADMIN_HOST: '0.0.0.0' };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dirWith(file: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sip4xx-health-'));
  dirs.push(dir);
  writeFileSync(join(dir, file), text);
  return dir;
}

describe('reading a process from /proc', () => {
  it('splits a cmdline at its NULs', () => {
    expect(nulSeparated(Buffer.from('node\0--initial-old-space-size=64\0dist/main.js\0--admin-port\x008081\0'))).toEqual([
      'node',
      '--initial-old-space-size=64',
      'dist/main.js',
      '--admin-port',
      '8081',
    ]);
  });

  it('reads an environ into variables, keeping "=" inside values', () => {
    expect(environOf(Buffer.from('A=1\0SIP4XX_USERS__X={a: "b=c"}\0'))).toEqual({ A: '1', SIP4XX_USERS__X: '{a: "b=c"}' });
  });

  it('takes the options after the main script, compiled or under tsx, and refuses other commands', () => {
    expect(serverArgs([...IMAGE_ARGV, '--port', '5099'])).toEqual(['--port', '5099']);
    expect(serverArgs(['/usr/bin/node', '--import', 'tsx', '/app/src/main.ts'])).toEqual([]);
    expect(serverArgs(['/sbin/tini', '--', 'sh'])).toBeUndefined();
  });
});

describe('the health target', () => {
  it.each([
    ['the image defaults', [], {}, 8080],
    ['--admin-port as container arguments', ['--admin-port', '8081'], {}, 8081],
    ['--admin.port as container arguments', ['--admin.port', '8082'], {}, 8082],
    ['SIP4XX_ADMIN_PORT', [], { SIP4XX_ADMIN_PORT: '8083' }, 8083],
    ['SIP4XX_ADMIN__PORT', [], { SIP4XX_ADMIN__PORT: '8084' }, 8084],
    ['a flag over the environment, as the server ranks them', ['--admin-port', '8085'], { SIP4XX_ADMIN_PORT: '8086' }, 8085],
  ] as const)('follows %s', (_what, args, env, port) => {
    const target = healthTarget({ argv: [...IMAGE_ARGV, ...args], env: { ...IMAGE_ENV, ...env }, cwd: '/app' });
    expect(target).toEqual({ kind: 'http', url: `http://127.0.0.1:${port}/healthz` });
  });

  it('follows admin.port in a config file named by SIP4XX_CONFIG, relative to the server directory', () => {
    const dir = dirWith('my.yaml', 'admin: { port: 9090 }\n');
    const target = healthTarget({ argv: IMAGE_ARGV, env: { ...IMAGE_ENV, SIP4XX_CONFIG: 'my.yaml' }, cwd: dir });
    expect(target).toEqual({ kind: 'http', url: 'http://127.0.0.1:9090/healthz' });
  });

  it('follows admin.port in a config file named by --config', () => {
    const dir = dirWith('c.yaml', 'admin: { port: 9091, host: "::" }\n');
    const target = healthTarget({ argv: [...IMAGE_ARGV, '--config', join(dir, 'c.yaml')], env: {}, cwd: '/' });
    expect(target).toEqual({ kind: 'http', url: 'http://[::1]:9091/healthz' });
  });

  it('probes the SIP port with OPTIONS when the admin endpoint is off, over UDP, or TCP without UDP', () => {
    const off = healthTarget({ argv: [...IMAGE_ARGV, '--admin-port', '0', '--port', '5099'], env: IMAGE_ENV, cwd: '/app' });
    expect(off).toEqual({ kind: 'sip', transport: 'udp', host: '127.0.0.1', port: 5099 });
    const tcp = healthTarget({ argv: [...IMAGE_ARGV, '--admin-port', '0', '--server.udp', 'false', '--host', '127.0.0.2'], env: {}, cwd: '/app' });
    expect(tcp).toEqual({ kind: 'sip', transport: 'tcp', host: '127.0.0.2', port: 5060 });
  });

  it('refuses what the server would have refused, and a random port it cannot know', () => {
    expect(() => healthTarget({ argv: [...IMAGE_ARGV, '--admin-port', 'x'], env: {}, cwd: '/' })).toThrow(/admin\.port/);
    expect(() => healthTarget({ argv: [...IMAGE_ARGV, '--admin-port', '0', '--port', '0'], env: {}, cwd: '/' })).toThrow(/nothing to probe/);
  });
});
