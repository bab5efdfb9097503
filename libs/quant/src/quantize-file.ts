// Quantizes a GGUF file with a preset, producing what llama-quantize produces
// byte for byte: same key/value order, same tensor order and types, same data,
// 32-byte alignment. It streams: tensors are cut into slices of whole rows
// (a few MiB of input each) that are read, converted and written in turn, with
// the next slice's work overlapping the current write; memory stays flat
// whatever the model's or the largest tensor's size. The output appears under
// its name only when complete.

import { open, stat } from 'node:fs/promises';
import { defaultThreads as nativeDefaultThreads } from '@tessera/native';
import { GGUFWriter, ggmlDims } from '@tessera/gguf';
import { QuantError } from './errors';
import { nativeKernels } from './kernels';
import { outputMetadata } from './output-metadata';
import type { QuantPreset } from './presets';
import { QuantizeFileOptions, QuantizedTensor, imatrixFor, prepareQuantization } from './quantize-plan';
import { ConvertedSlice, SliceStream } from './slice-stream';
import { DEFAULT_SLICE_BYTES, planSlices } from './tensor-slices';

export interface QuantizeFileResult {
  readonly preset: string;
  readonly tensors: QuantizedTensor[];
  /** Sizes of the input and output files in bytes. */
  readonly sizeIn: number;
  readonly sizeOut: number;
  readonly seconds: number;
}

/** Threads per tensor when the caller does not say: every core the process may use. */
export function defaultThreads(): number {
  return nativeDefaultThreads();
}

export async function quantizeFile(
  inPath: string,
  outPath: string,
  preset: QuantPreset | string,
  options: QuantizeFileOptions = {},
): Promise<QuantizeFileResult> {
  const started = process.hrtime.bigint();
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  throwIfAborted(options.signal);
  const { preset: p, input, imatrix, plan } = await prepareQuantization(inPath, preset, options);
  const kernels = options.kernels ?? nativeKernels;
  const weights = new Map(plan.map((t) => [t.name, imatrixFor(t, imatrix)]));

  const sources = input.tensorsByName;
  const bytesTotal = plan.reduce((n, t) => n + sources.get(t.name)!.nBytes, 0);
  const sliceBytes = options.sliceBytes ?? DEFAULT_SLICE_BYTES;
  const source = await open(inPath, 'r');
  // The writer takes the alignment from general.alignment when the input has one. llama-quantize
  // always pads to 32 (and keeps a different general.alignment, writing a file readers misplace);
  // for the usual 32 both agree byte for byte.
  const writer = await GGUFWriter.create(outPath, {}, outputMetadata(input.kv, p, imatrix)).catch(async (err) => {
    await source.close();
    throw err;
  });
  const tensors: QuantizedTensor[] = [];
  let stream: SliceStream | undefined;
  try {
    const sizesOut = plan.map((t) => writer.addTensor({ name: t.name, dims: ggmlDims(t.dims), type: t.toType }));
    const slices = new SliceStream(source, planSlices(plan, sources, sliceBytes), { kernels, threads, signal: options.signal, weights });
    stream = slices;
    // The first tensor's write begins by encoding the header (the vocabulary makes it large): convert meanwhile.
    slices.prefetch();
    // The writer pulls a tensor's slices one by one; each pull lets the stream start the next.
    async function* tensorData(): AsyncGenerator<Uint8Array> {
      let s: ConvertedSlice;
      do {
        s = await slices.next();
        yield s.bytes;
        s.done();
      } while (!s.slice.last);
    }
    let bytesDone = 0;
    for (const [i, t] of plan.entries()) {
      throwIfAborted(options.signal);
      await writer.writeTensor(t.name, tensorData());
      const bytesIn = sources.get(t.name)!.nBytes;
      bytesDone += bytesIn;
      tensors.push({ name: t.name, fromType: t.fromType, toType: t.toType, bytesIn, bytesOut: sizesOut[i] });
      options.onProgress?.({ tensorIndex: tensors.length, tensorCount: plan.length, tensorName: t.name, bytesDone, bytesTotal });
    }
    const written = await writer.finish();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { preset: p.name, tensors, sizeIn: (await stat(inPath)).size, sizeOut: written.size, seconds };
  } catch (err) {
    await writer.abort();
    throw options.signal?.aborted ? abortedError() : err;
  } finally {
    await stream?.settle();
    await source.close();
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError();
}

function abortedError(): QuantError {
  return new QuantError('QUANT_ABORTED', 'quantization was cancelled; no output file was written');
}
