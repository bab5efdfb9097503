// The GGUF imatrix of recent llama.cpp: for each weight W, an F32 tensor
// "W.in_sum2" (summed squared activations, ne0 x n_expert) and "W.counts"
// (tokens seen per expert slice), optionally "W.in_sum"; the metadata records
// the calibration datasets and chunk count/size.

import { open } from 'node:fs/promises';
import { GGMLType } from '@tessera/native';
import { GGUFTensorInfo, GGUFValueType, readGGUF } from '@tessera/gguf';
import { QuantError } from './errors';
import { Imatrix, imatrixWeights } from './imatrix-weights';

const SUFFIXES = ['.in_sum2', '.in_sum', '.counts'] as const;
type Suffix = (typeof SUFFIXES)[number];

export async function parseGgufImatrix(path: string): Promise<Imatrix> {
  const file = await readGGUF(path);
  const fail = (what: string): never => {
    throw new QuantError('QUANT_IMATRIX_FORMAT', `${path}: ${what}; regenerate it with llama-imatrix`);
  };
  if (file.tensors.length === 0) fail('the imatrix holds no tensors');
  const kv = file.kv;
  if (!kv.has('imatrix.datasets') || !kv.has('imatrix.chunk_count') || !kv.has('imatrix.chunk_size')) {
    fail('the imatrix metadata (imatrix.datasets, imatrix.chunk_count, imatrix.chunk_size) is missing');
  }
  const datasetsValue = kv.get('imatrix.datasets');
  const datasets =
    datasetsValue?.type === GGUFValueType.ARRAY && datasetsValue.elemType === GGUFValueType.STRING ? [...datasetsValue.value] : [];
  const chunkCount = kv.optU32('imatrix.chunk_count') ?? 0;

  const groups = new Map<string, Partial<Record<Suffix, GGUFTensorInfo>>>();
  for (const t of file.tensors) {
    const suffix = SUFFIXES.find((s) => t.name.endsWith(s));
    if (!suffix) continue;
    const base = t.name.slice(0, -suffix.length);
    if (base.length === 0) continue;
    groups.set(base, { ...groups.get(base), [suffix]: t });
  }

  const weights = new Map<string, Float32Array>();
  const handle = await open(path, 'r');
  try {
    const readF32 = async (t: GGUFTensorInfo): Promise<Float32Array> => {
      const bytes = Buffer.alloc(t.nBytes);
      await handle.read(bytes, 0, t.nBytes, t.absoluteOffset);
      return new Float32Array(bytes.buffer, bytes.byteOffset, t.nElements);
    };
    for (const [name, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const sum2 = g['.in_sum2'];
      const counts = g['.counts'];
      if (!sum2 || !counts || (g['.in_sum'] && g['.in_sum'].nElements !== sum2.nElements)) {
        fail(`mismatched sums and counts for ${name}`);
      }
      if ([sum2, counts, g['.in_sum']].some((t) => t !== undefined && t.type !== GGMLType.F32)) {
        fail(`sums and counts for ${name} must be F32`);
      }
      if (sum2!.nElements === 0) continue;
      // Counts are token tallies stored as floats; the reference rounds them to integers.
      const rounded = Array.from(await readF32(counts!), (c) => Math.sign(c) * Math.round(Math.abs(c)));
      weights.set(name, imatrixWeights(name, { sums: await readF32(sum2!), counts: rounded }, false));
    }
  } finally {
    await handle.close();
  }
  return { path, format: 'gguf', weights, datasets, chunkCount };
}
