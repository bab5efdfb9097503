/** A bad or missing environment variable; the worker stops at boot with this message. */
export class ConfigError extends Error {
  readonly code = 'ECONFIG';
  constructor(readonly problems: string[]) {
    super(`invalid worker configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}
