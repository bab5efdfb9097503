import type { Command, CommandContext } from './command';
import { CliError, ExitCode, UsageError } from './cli-error';
import { commands } from './commands';

function helpText(): string {
  const lines = ['usage: tessera <command> [options]', '', 'commands:'];
  for (const c of commands) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  lines.push('', 'Run `tessera <command> --help` for a command\'s options.');
  return lines.join('\n');
}

/** Maps any thrown value to one line on stderr and an exit code; never a stack trace for user errors. */
export function describeFailure(err: unknown): { message: string; code: number } {
  if (err instanceof CliError) return { message: err.message, code: err.exitCode };
  const e = err as { name?: string; code?: string; message?: string };
  if (e?.name === 'AbortError' || e?.code === 'EABORT' || e?.code === 'ABORT_ERR') {
    return { message: 'interrupted; nothing was written', code: ExitCode.interrupted };
  }
  // Typed errors from our libs carry a code; their messages are written for users.
  if (e && typeof e.code === 'string' && typeof e.message === 'string') {
    const badInput = /^(E|GGUF|SAFETENSORS|CONVERT|QUANT)/.test(e.code) && e.code !== 'ENOENT';
    if (e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'EACCES') {
      const path = (err as { path?: string }).path;
      const what = { ENOENT: 'no such file', EISDIR: 'is a directory, not a file', EACCES: 'permission denied' }[e.code];
      return { message: path ? `${path}: ${what}` : e.message, code: ExitCode.badInput };
    }
    return { message: e.message, code: badInput ? ExitCode.badInput : ExitCode.failure };
  }
  return { message: `internal error: ${e?.message ?? String(err)}`, code: ExitCode.failure };
}

export async function runCli(argv: string[], ctx: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(helpText() + '\n');
    return name ? ExitCode.ok : ExitCode.usage;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command "${name}"\n${helpText()}`);
    if (rest.includes('--help') || rest.includes('-h')) {
      ctx.stdout.write(`usage: ${command.usage}\n`);
      return ExitCode.ok;
    }
    await command.run(rest, ctx);
    return ExitCode.ok;
  } catch (err) {
    const { message, code } = describeFailure(err);
    ctx.stderr.write(`tessera${command ? ' ' + command.name : ''}: ${message}\n`);
    return code;
  }
}

/** Process entry: wires Ctrl-C to an AbortSignal so commands clean up their temp files. */
export async function main(argv: string[]): Promise<void> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const code = await runCli(argv, { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
  process.exitCode = code;
}
