/** Context handed to every command: where to print, and a signal that fires on Ctrl-C. */
export interface CommandContext {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], ctx: CommandContext): Promise<void>;
}
