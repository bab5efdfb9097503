// The key/value list of a quantized file, in llama-quantize's order: the
// input's pairs as they were, then quantization version and file type moved to
// the end, split bookkeeping dropped, and the imatrix provenance appended.

import { GGUFMetadata, ggufValue } from '@tessera/gguf';
import type { Imatrix } from './imatrix-weights';
import type { QuantPreset } from './presets';

/** GGML_QNT_VERSION: the revision of the quantized block formats. */
export const QUANTIZATION_VERSION = 2;

const SPLIT_KEYS = ['split.no', 'split.count', 'split.tensors.count'];

export function outputMetadata(input: GGUFMetadata, preset: QuantPreset, imatrix?: Imatrix): GGUFMetadata {
  const kv = input.clone();
  kv.set('general.quantization_version', ggufValue.u32(QUANTIZATION_VERSION));
  kv.set('general.file_type', ggufValue.u32(preset.fileType));
  for (const key of SPLIT_KEYS) kv.delete(key);
  if (imatrix) {
    kv.set('quantize.imatrix.file', ggufValue.string(truncateUtf8(imatrix.path, 127)));
    if (imatrix.datasets.length > 0) {
      kv.set('quantize.imatrix.dataset', ggufValue.string(truncateUtf8(imatrix.datasets[0], 127)));
    }
    kv.set('quantize.imatrix.entries_count', ggufValue.u32(imatrix.weights.size));
    if (imatrix.chunkCount > 0) kv.set('quantize.imatrix.chunks_count', ggufValue.u32(imatrix.chunkCount));
  }
  return kv;
}

/** The reference copies these strings into 128-byte C buffers; keep whole characters only. */
function truncateUtf8(s: string, maxBytes: number): string {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length <= maxBytes) return s;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // do not cut a multi-byte character
  return bytes.subarray(0, end).toString('utf8');
}
