// Quantizes a GGUF file with a preset, producing what llama-quantize produces
// byte for byte: same key/value order, same tensor order and types, same data,
// 32-byte alignment. It streams: one tensor is in memory at a time (its input
// bytes, its F32 form and its output), never the whole model; the output
// appears under its name only when complete.

import { FileHandle, open, stat } from 'node:fs/promises';
import { GGMLType, defaultThreads as nativeDefaultThreads, typeTraits, typeTraitsByName } from '@tessera/native';
import { GGUFTensorInfo, GGUFWriter, ggmlDims, readGGUF } from '@tessera/gguf';
import { QuantError } from './errors';
import { loadImatrix } from './imatrix';
import type { Imatrix } from './imatrix-weights';
import { QuantKernels, nativeKernels } from './kernels';
import { quantModelInfo } from './model-info';
import { outputMetadata } from './output-metadata';
import { QuantPreset, getPreset } from './presets';
import { convertTensor } from './tensor-conversion';
import { PlannedTensor, isQuantizedType, planTensorTypes } from './tensor-type-rules';
import { validateQuantized } from './validate-quantized';

export interface QuantizeProgress {
  /** 1-based index of the tensor just written. */
  readonly tensorIndex: number;
  readonly tensorCount: number;
  readonly tensorName: string;
  /** Input tensor bytes processed so far, and in all. */
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface QuantizeFileOptions {
  /** Native threads per tensor (default: the machine's available parallelism). */
  readonly threads?: number;
  /** An importance matrix, loaded or as a path. */
  readonly imatrix?: Imatrix | string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: QuantizeProgress) => void;
  readonly allowRequantize?: boolean;
  readonly pure?: boolean;
  readonly leaveOutputTensor?: boolean;
  /** A ggml type (id or name such as "q8_0") for output.weight. */
  readonly outputTensorType?: GGMLType | string;
  /** A ggml type (id or name) for token_embd.weight. */
  readonly tokenEmbeddingType?: GGMLType | string;
  /** Kernel implementation; defaults to @tessera/native. */
  readonly kernels?: QuantKernels;
}

export interface QuantizedTensor {
  readonly name: string;
  readonly fromType: GGMLType;
  readonly toType: GGMLType;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

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
  const p = typeof preset === 'string' ? getPreset(preset) : preset;
  const threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  throwIfAborted(options.signal);

  const input = await readGGUF(inPath);
  const imatrix = typeof options.imatrix === 'string' ? await loadImatrix(options.imatrix) : options.imatrix;
  const plan = planTensorTypes(input.tensors, quantModelInfo(input.kv, input.tensors.map((t) => t.name)), p, {
    imatrix: imatrix !== undefined,
    pure: options.pure,
    leaveOutputTensor: options.leaveOutputTensor,
    allowRequantize: options.allowRequantize,
    outputTensorType: parseTypeOption(options.outputTensorType, 'outputTensorType'),
    tokenEmbeddingType: parseTypeOption(options.tokenEmbeddingType, 'tokenEmbeddingType'),
  });
  const kernels = options.kernels ?? nativeKernels;
  plan.forEach(checkConvertible);
  const weights = new Map(plan.map((t) => [t.name, imatrixFor(t, imatrix)]));

  const sources = input.tensorsByName;
  const bytesTotal = plan.reduce((n, t) => n + sources.get(t.name)!.nBytes, 0);
  const writer = await GGUFWriter.create(outPath, {}, outputMetadata(input.kv, p, imatrix));
  const source = await open(inPath, 'r');
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

function parseTypeOption(value: GGMLType | string | undefined, what: string): GGMLType | undefined {
  if (value === undefined || typeof value === 'number') return value;
  const traits = typeTraitsByName(value.trim());
  if (!traits) throw new QuantError('QUANT_BAD_OPTION', `${what} "${value}" is not a ggml type name (e.g. q8_0, q6_k, f16)`);
  return traits.type;
}

/** Fails before any output is written when a conversion cannot be done here. */
function checkConvertible(t: PlannedTensor): void {
  if (t.toType === t.fromType) return;
  const from = typeTraits(t.fromType);
  const to = typeTraits(t.toType);
  const readable = t.fromType === GGMLType.F32 || (from.dequantizable && (isQuantizedType(t.fromType) || t.fromType === GGMLType.F16 || t.fromType === GGMLType.BF16));
  if (!readable) {
    throw new QuantError('QUANT_UNSUPPORTED_INPUT', `${t.name} is ${from.name}, which cannot be converted to F32 for quantizing; use an F32/F16/BF16 source`);
  }
  if (t.toType !== GGMLType.F32 && !to.quantizable) {
    throw new QuantError('QUANT_UNSUPPORTED_INPUT', `${t.name} would become ${to.name}, which the native kernels cannot produce; choose another type`);
  }
}

/** This tensor's importance weights, or undefined; a size mismatch is an error except for token_embd. */
function imatrixFor(t: PlannedTensor, imatrix: Imatrix | undefined): Float32Array | undefined {
  if (!imatrix || t.toType === t.fromType) return undefined;
  const w = imatrix.weights.get(t.name);
  if (!w) return undefined;
  const expected = t.dims[0] * (t.dims[2] ?? 1);
  if (w.length === expected) return w;
  // The reference tolerates this for token embeddings, whose imatrix entry is routinely the wrong shape.
  if (t.name === 'token_embd.weight' || t.name === 'per_layer_token_embd.weight') return undefined;
  throw new QuantError(
    'QUANT_IMATRIX_MISMATCH',
    `imatrix has ${w.length} weights for ${t.name}, which needs ${expected}; was the imatrix computed for another model?`,
  );
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
