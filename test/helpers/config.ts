/** Validated configurations for tests: the embedded defaults with a few keys overridden. */
import { deepMerge, defaultTree, validate } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';

/** Any subset of the config tree; merged over the defaults (arrays replace). */
export type ConfigOverrides = Record<string, unknown>;

export function testConfig(overrides: ConfigOverrides = {}): Readonly<Config> {
  return validate(deepMerge(defaultTree(), overrides), 'test');
}
