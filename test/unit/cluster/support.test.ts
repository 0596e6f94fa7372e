import { describe, expect, it } from 'vitest';
import { nodeHasReusePort, planWorkers, type Runtime } from '../../../src/cluster/support.js';
import { restartDelayMs } from '../../../src/cluster/primary.js';
import { loadConfig } from '../../../src/config/load.js';
import { isRestartOnly } from '../../../src/config/restart-only.js';
import { ConfigError } from '../../../src/config/errors.js';
import { parseCli } from '../../../src/cli.js';
import { defaultTree } from '../../../src/config/load.js';

const linux = (version: string, parallelism = 4): Runtime => ({ version, platform: 'linux', parallelism });

describe('server.workers: which Node can serve it', () => {
  it('knows the releases that added reusePort to dgram and net (v23.1.0, backported to v22.12.0)', () => {
    expect(nodeHasReusePort('v20.20.2')).toBe(false);
    expect(nodeHasReusePort('v22.11.0')).toBe(false);
    expect(nodeHasReusePort('v22.12.0')).toBe(true);
    expect(nodeHasReusePort('v23.0.0')).toBe(false);
    expect(nodeHasReusePort('v23.1.0')).toBe(true);
    expect(nodeHasReusePort('v24.22.3')).toBe(true);
    expect(nodeHasReusePort('v26.0.0')).toBe(true);
  });

  it('one process needs nothing, on any Node and platform', () => {
    expect(planWorkers(1, { version: 'v20.20.2', platform: 'darwin', parallelism: 8 }, 1024)).toEqual({ kind: 'ok', workers: 1 });
  });

  it('an explicit count above 1 on Node 20 is refused with the Node release it needs', () => {
    const plan = planWorkers(2, linux('v20.20.2'), 1024);
    expect(plan).toEqual({
      kind: 'refused',
      message: 'server.workers 2: reusePort needs Node >= 22.12.0 (22.x) or >= 23.1.0; this is Node v20.20.2',
    });
  });

  it('an explicit count off Linux is refused', () => {
    const plan = planWorkers(4, { version: 'v24.0.0', platform: 'darwin', parallelism: 8 }, 1024);
    expect(plan).toEqual({ kind: 'refused', message: 'server.workers 4: SO_REUSEPORT load balancing needs Linux (this is darwin)' });
  });

  it('auto is one per CPU where supported, capped, and one process with a warning where not', () => {
    expect(planWorkers('auto', linux('v24.1.0', 2), 1024)).toEqual({ kind: 'ok', workers: 2 });
    expect(planWorkers('auto', linux('v24.1.0', 4096), 1024)).toEqual({ kind: 'ok', workers: 1024 });
    expect(planWorkers('auto', linux('v24.1.0', 1), 1024)).toEqual({ kind: 'ok', workers: 1 });
    expect(planWorkers('auto', linux('v20.20.2', 2), 1024)).toEqual({
      kind: 'ok',
      workers: 1,
      warning: 'server.workers auto: running 1 process: reusePort needs Node >= 22.12.0 (22.x) or >= 23.1.0; this is Node v20.20.2',
    });
  });
});

describe('server.workers: the configuration key', () => {
  it('defaults to 1, is restart-only, and takes a count or auto from flag and environment', () => {
    expect(loadConfig().server.workers).toBe(1);
    expect(isRestartOnly(['server', 'workers'])).toBe(true);
    expect(loadConfig({ env: { SIP4XX_SERVER__WORKERS: 'auto' } }).server.workers).toBe('auto');
    const cli = parseCli(['--workers', '3'], defaultTree());
    expect(loadConfig({ overrides: cli.overrides }).server.workers).toBe(3);
  });

  it('refuses 0, a fraction, a word other than auto, and more than 1024', () => {
    for (const bad of ['0', '1.5', 'many', '1025']) {
      expect(() => loadConfig({ env: { SIP4XX_SERVER__WORKERS: bad } }), bad).toThrow(ConfigError);
    }
  });
});

describe('re-forking a dead worker', () => {
  it('waits 100 ms after a first death, doubling per death in a row up to 10 s, so a crash loop cannot spin', () => {
    expect([0, 1, 2, 3, 6, 7, 8, 1000].map(restartDelayMs)).toEqual([100, 200, 400, 800, 6400, 10_000, 10_000, 10_000]);
  });
});
