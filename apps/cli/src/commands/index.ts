import type { Command } from '../command';
import { synthCommand } from './synth.command';
import { inspectCommand } from './inspect.command';
import { convertCommand } from './convert.command';
import { quantizeCommand } from './quantize.command';
import { generateCommand } from './generate.command';
import { benchCommand } from './bench.command';

/** Every `tessera` subcommand, in the order `tessera --help` lists them. */
export const commands: Command[] = [synthCommand, inspectCommand, convertCommand, quantizeCommand, generateCommand, benchCommand];
