// Reads the hyper-parameters the mix rules need from a GGUF's metadata. Missing
// keys get the same defaults llama.cpp uses (no KV heads key = no GQA; no block
// count = count the blk.N layers), so non-llama files can still be converted.

import { GGUFMetadata, GGUFValueType } from '@tessera/gguf';
import { QuantError } from './errors';
import type { QuantModelInfo } from './tensor-type-rules';
import { layerOfTensorName } from './tensor-order';

export function quantModelInfo(kv: GGUFMetadata, tensorNames: readonly string[]): QuantModelInfo {
  const archValue = kv.get('general.architecture');
  if (archValue?.type !== GGUFValueType.STRING) {
    throw new QuantError('QUANT_BAD_MODEL', 'general.architecture is missing or not a string; re-convert the model to GGUF');
  }
  const arch = archValue.value;
  const layersSeen = tensorNames.reduce((n, name) => Math.max(n, layerOfTensorName(name) + 1), 0);
  const blockCount = firstNumber(kv, `${arch}.block_count`) ?? layersSeen;
  const headCount = firstNumber(kv, `${arch}.attention.head_count`) ?? 0;
  const headCountKv = firstNumber(kv, `${arch}.attention.head_count_kv`) ?? headCount;
  const expertCount = firstNumber(kv, `${arch}.expert_count`) ?? 0;
  return { arch, blockCount, headCount, headCountKv, expertCount };
}

/** A numeric scalar, or the first element of a per-layer numeric array. */
function firstNumber(kv: GGUFMetadata, key: string): number | undefined {
  const v = kv.get(key);
  if (v === undefined) return undefined;
  const x = v.type === GGUFValueType.ARRAY ? v.value[0] : v.value;
  if (typeof x === 'number') return x;
  if (typeof x === 'bigint') return Number(x);
  throw new QuantError('QUANT_BAD_MODEL', `metadata key ${key} should be a number; re-convert the model to GGUF`);
}
