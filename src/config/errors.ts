/** Configuration errors: a stable code for programs, every problem with its key path for people. */
export class ConfigError extends Error {
  readonly code = 'SIP4XX_CONFIG_INVALID';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration (${source}): ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}
