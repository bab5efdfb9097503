// Writes a KvList and a list of tensor plans as one GGUF file through
// @tessera/gguf's streaming writer: infos first, then each tensor's chunks in
// order. The file appears under `outPath` only when complete; any failure or
// abort removes the partial temp file.

import { GGUFValue, GGUFValueType, GGUFWriter, ggufValue } from '@tessera/gguf';
import { ConvertError, throwIfAborted } from './errors';
import { KvList, KvValue } from './gguf-kv';
import { TensorPlan } from './tensor/tensor-plan';

export interface WriteProgress {
  readonly tensor: string;
  readonly tensorsDone: number;
  readonly tensorsTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface WriteOptions {
  readonly onProgress?: (p: WriteProgress) => void;
  readonly signal?: AbortSignal;
}

export interface WrittenFile {
  readonly path: string;
  readonly size: number;
  readonly tensors: number;
}

export function toGgufValue(v: KvValue): GGUFValue {
  switch (v.kind) {
    case 'u32':
      return ggufValue.u32(v.value);
    case 'i32':
      return ggufValue.i32(v.value);
    case 'f32':
      return ggufValue.f32(v.value);
    case 'bool':
      return ggufValue.bool(v.value);
    case 'string':
      return ggufValue.string(v.value);
    case 'string[]':
      return ggufValue.array(GGUFValueType.STRING, v.value);
    case 'f32[]':
      return ggufValue.array(GGUFValueType.FLOAT32, v.value);
    case 'i32[]':
      return ggufValue.array(GGUFValueType.INT32, v.value);
  }
}

export async function writeGgufFile(outPath: string, kv: KvList, tensors: readonly TensorPlan[], opts: WriteOptions = {}): Promise<WrittenFile> {
  throwIfAborted(opts.signal);
  const writer = await GGUFWriter.create(outPath);
  try {
    for (const [key, value] of kv.entries()) writer.setKV(key, toGgufValue(value));
    let bytesTotal = 0;
    for (const t of tensors) bytesTotal += writer.addTensor({ name: t.name, dims: t.dims, type: t.type });
    let bytesDone = 0;
    let done = 0;
    for (const t of tensors) {
      throwIfAborted(opts.signal);
      await writer.writeTensor(t.name, countBytes(t.chunks(opts.signal), (n) => (bytesDone += n)));
      done++;
      opts.onProgress?.({ tensor: t.name, tensorsDone: done, tensorsTotal: tensors.length, bytesDone, bytesTotal });
    }
    throwIfAborted(opts.signal);
    const result = await writer.finish();
    return { path: result.path, size: result.size, tensors: tensors.length };
  } catch (e) {
    await writer.abort();
    if (opts.signal?.aborted && !(e instanceof ConvertError)) {
      throw new ConvertError('CONVERT_ABORTED', 'conversion aborted by the caller; nothing was written');
    }
    throw e;
  }
}

async function* countBytes(src: AsyncIterable<Uint8Array>, add: (n: number) => void): AsyncIterable<Uint8Array> {
  for await (const chunk of src) {
    add(chunk.byteLength);
    yield chunk;
  }
}
