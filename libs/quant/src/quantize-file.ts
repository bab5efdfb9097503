// Quantizes a GGUF file with a preset, producing what llama-quantize produces
// byte for byte: same key/value order, same tensor order and types, same data,
// 32-byte alignment. It streams: one tensor is in memory at a time (its input
// bytes, its F32 form and its output), never the whole model; the output
// appears under its name only when complete.

import { FileHandle, open, stat } from 'node:fs/promises';
import { defaultThreads as nativeDefaultThreads } from '@tessera/native';
import { GGUFTensorInfo, GGUFWriter, ggmlDims } from '@tessera/gguf';
import { QuantError } from './errors';
import { nativeKernels } from './kernels';
import { outputMetadata } from './output-metadata';
import type { QuantPreset } from './presets';
import { QuantizeFileOptions, QuantizedTensor, imatrixFor, prepareQuantization } from './quantize-plan';
import { convertTensor } from './tensor-conversion';
import { validateQuantized } from './validate-quantized';

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
  const source = await open(inPath, 'r');
  // The writer takes the alignment from general.alignment when the input has one. llama-quantize
  // always pads to 32 (and keeps a different general.alignment, writing a file readers misplace);
  // for the usual 32 both agree byte for byte.
  const writer = await GGUFWriter.create(outPath, {}, outputMetadata(input.kv, p, imatrix)).catch(async (err) => {
    await source.close();
    throw err;
  });
  const tensors: QuantizedTensor[] = [];
  try {
    for (const t of plan) writer.addTensor({ name: t.name, dims: ggmlDims(t.dims), type: t.toType });
    let bytesDone = 0;
    for (const t of plan) {
      throwIfAborted(options.signal);
      const info = sources.get(t.name)!;
      const bytesIn = await readTensor(source, info);
      const out = await convertTensor(t, bytesIn, { kernels, threads, signal: options.signal, imatrix: weights.get(t.name) });
      throwIfAborted(options.signal);
      if (t.toType !== t.fromType) validateQuantized(t.name, t.toType, out);
      await writer.writeTensor(t.name, out);
      bytesDone += info.nBytes;
      tensors.push({ name: t.name, fromType: t.fromType, toType: t.toType, bytesIn: info.nBytes, bytesOut: out.byteLength });
      options.onProgress?.({ tensorIndex: tensors.length, tensorCount: plan.length, tensorName: t.name, bytesDone, bytesTotal });
    }
    const written = await writer.finish();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { preset: p.name, tensors, sizeIn: (await stat(inPath)).size, sizeOut: written.size, seconds };
  } catch (err) {
    await writer.abort();
    throw options.signal?.aborted ? abortedError() : err;
  } finally {
    await source.close();
  }
}

async function readTensor(file: FileHandle, t: GGUFTensorInfo): Promise<Uint8Array> {
  // Unpooled memory: offset 0, so an F32 view is aligned.
  const buf = Buffer.allocUnsafeSlow(t.nBytes);
  let done = 0;
  while (done < t.nBytes) {
    const { bytesRead } = await file.read(buf, done, t.nBytes - done, t.absoluteOffset + done);
    if (bytesRead === 0) throw new QuantError('QUANT_BAD_MODEL', `the input ends inside tensor ${t.name}; the file is truncated`);
    done += bytesRead;
  }
  return buf;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError();
}

function abortedError(): QuantError {
  return new QuantError('QUANT_ABORTED', 'quantization was cancelled; no output file was written');
}
