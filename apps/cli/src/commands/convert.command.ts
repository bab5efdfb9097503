import { convertHfToGguf } from '@tessera/convert';
import type { Command } from '../command';
import { parseCommandArgs, positionals } from '../args';
import { UsageError } from '../cli-error';
import { ProgressBar } from '../progress';

const usage = 'tessera convert HF_DIR OUT.gguf [--outtype f32|f16|bf16] [--json]';

export const convertCommand: Command = {
  name: 'convert',
  summary: 'convert a Hugging Face model folder (safetensors + config + tokenizer) to GGUF',
  usage,
  async run(argv, ctx) {
    const { values, positionals: pos } = parseCommandArgs(
      argv,
      { outtype: { type: 'string', default: 'f16' }, json: { type: 'boolean', default: false } },
      usage,
    );
    const [hfDir, out] = positionals(pos, 2, usage);
    const outtype = values.outtype as string;
    if (!['f32', 'f16', 'bf16'].includes(outtype)) throw new UsageError(`--outtype must be f32, f16 or bf16, got "${outtype}"`);
    const bar = new ProgressBar('convert', ctx.stderr);
    const started = Date.now();
    const result = await convertHfToGguf(hfDir, out, {
      outtype: outtype as 'f32' | 'f16' | 'bf16',
      signal: ctx.signal,
      onProgress: (p) => bar.update(p.bytesDone, p.bytesTotal, p.tensor),
    });
    bar.done();
    const seconds = (Date.now() - started) / 1000;
    if (values.json) ctx.stdout.write(JSON.stringify({ ...result, seconds }) + '\n');
    else ctx.stderr.write(`wrote ${out} (${outtype}) in ${seconds.toFixed(1)} s\n`);
  },
};
