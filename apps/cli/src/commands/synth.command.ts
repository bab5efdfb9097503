import { synthGguf, synthHfModel } from '@tessera/convert';
import type { Command } from '../command';
import { intFlag, parseCommandArgs, positionals } from '../args';
import { UsageError } from '../cli-error';

const PRESETS = ['micro', 'tiny', 'small', 'smollm', 'tinyllama'] as const;
type Preset = (typeof PRESETS)[number];
const usage =
  'tessera synth OUT.gguf --preset micro|tiny|small|smollm|tinyllama [--seed N] [--outtype f32|f16] [--format gguf|hf] [--json]';

export const synthCommand: Command = {
  name: 'synth',
  summary: 'write a random-weight llama model with a real BPE tokenizer (GGUF, or a Hugging Face folder)',
  usage,
  async run(argv, ctx) {
    const { values, positionals: pos } = parseCommandArgs(
      argv,
      {
        preset: { type: 'string', default: 'micro' },
        seed: { type: 'string' },
        outtype: { type: 'string', default: 'f32' },
        format: { type: 'string', default: 'gguf' },
        json: { type: 'boolean', default: false },
      },
      usage,
    );
    const [out] = positionals(pos, 1, usage);
    const preset = values.preset as Preset;
    if (!PRESETS.includes(preset)) throw new UsageError(`--preset must be one of ${PRESETS.join(', ')}, got "${preset}"`);
    const seed = intFlag(values.seed, 'seed', 42);
    const outtype = values.outtype as string;
    const started = Date.now();
    if (values.format === 'hf') {
      if (!['f32', 'f16', 'bf16'].includes(outtype)) throw new UsageError(`--outtype must be f32, f16 or bf16 for --format hf`);
      await synthHfModel(out, { preset, seed, dtype: outtype as 'f32' | 'f16' | 'bf16', tokenizer: 'bpe' });
    } else if (values.format === 'gguf') {
      if (outtype !== 'f32' && outtype !== 'f16') throw new UsageError(`--outtype must be f32 or f16, got "${outtype}"`);
      await synthGguf(out, { preset, seed, outtype });
    } else {
      throw new UsageError(`--format must be gguf or hf, got "${values.format}"`);
    }
    const seconds = (Date.now() - started) / 1000;
    if (values.json) ctx.stdout.write(JSON.stringify({ path: out, preset, seed, outtype, format: values.format, seconds }) + '\n');
    else ctx.stderr.write(`wrote ${out} (${preset}, seed ${seed}, ${outtype}) in ${seconds.toFixed(1)} s\n`);
  },
};
