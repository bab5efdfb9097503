import { findPreset, listPresets, loadImatrix, quantizeFile } from '@tessera/quant';
import { defaultThreads } from '@tessera/quant';
import type { Command } from '../command';
import { intFlag, parseCommandArgs, positionals } from '../args';
import { UsageError } from '../cli-error';
import { formatBytes } from '../format';
import { ProgressBar } from '../progress';

const usage =
  'tessera quantize IN.gguf OUT.gguf TYPE [--threads N] [--imatrix FILE] [--allow-requantize] [--pure] ' +
  '[--leave-output-tensor] [--output-tensor-type T] [--token-embedding-type T] [--json]';

export const quantizeCommand: Command = {
  name: 'quantize',
  summary: 'quantize a GGUF model with a llama-quantize preset (Q4_K_M, Q8_0, IQ4_XS, ...)',
  usage,
  async run(argv, ctx) {
    const { values, positionals: pos } = parseCommandArgs(
      argv,
      {
        threads: { type: 'string', short: 't' },
        imatrix: { type: 'string' },
        'allow-requantize': { type: 'boolean', default: false },
        pure: { type: 'boolean', default: false },
        'leave-output-tensor': { type: 'boolean', default: false },
        'output-tensor-type': { type: 'string' },
        'token-embedding-type': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      usage,
    );
    const [input, output, typeName] = positionals(pos, 3, usage);
    const preset = findPreset(typeName);
    if (!preset) throw new UsageError(`unknown quantization type "${typeName}"; valid: ${listPresets().join(', ')}`);
    const threads = intFlag(values.threads, 'threads', defaultThreads(), 1);
    const imatrix = values.imatrix ? await loadImatrix(values.imatrix) : undefined;
    const bar = new ProgressBar(`quantize ${preset.name}`, ctx.stderr);
    const result = await quantizeFile(input, output, preset.name, {
      threads,
      imatrix,
      allowRequantize: values['allow-requantize'] as boolean,
      pure: values.pure as boolean,
      leaveOutputTensor: values['leave-output-tensor'] as boolean,
      outputTensorType: values['output-tensor-type'] as string | undefined,
      tokenEmbeddingType: values['token-embedding-type'] as string | undefined,
      signal: ctx.signal,
      onProgress: (p) => bar.update(p.bytesDone, p.bytesTotal, p.tensorName),
    });
    bar.done();
    if (values.json) {
      ctx.stdout.write(JSON.stringify({ input, output, threads, ...result }) + '\n');
      return;
    }
    ctx.stderr.write(
      `wrote ${output}: ${preset.name}, ${formatBytes(result.sizeIn)} -> ${formatBytes(result.sizeOut)} ` +
        `in ${result.seconds.toFixed(2)} s with ${threads} thread(s)\n`,
    );
  },
};
