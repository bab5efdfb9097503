/**
 * Exit codes of the `tessera` command. Scripts rely on them, so they are part
 * of the CLI's contract (documented in docs/cli.md).
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  badInput: 3,
  interrupted: 130,
} as const;

/** An error the CLI reports as one line, with a chosen exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.usage);
    this.name = 'UsageError';
  }
}
