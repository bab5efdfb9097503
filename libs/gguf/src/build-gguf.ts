// Builds a whole GGUF file in memory: for tests, fixtures and tiny files.
// Produces the same bytes as GGUFWriter for the same inputs.

import { GGUFError } from './errors';
import { TensorSpec, encodeHeader, placeTensors, resolveAlignment } from './encode-header';
import { GGUF_VERSION, padTo } from './layout';
import { GGUFMetadata } from './metadata';

export interface InMemoryTensor extends TensorSpec {
  data: Uint8Array;
}

export interface BuildOptions {
  alignment?: number;
  version?: 2 | 3;
}

export function buildGGUF(kv: GGUFMetadata, tensors: readonly InMemoryTensor[], opts: BuildOptions = {}): Buffer {
  const alignment = resolveAlignment(kv, opts.alignment);
  const placed = placeTensors(tensors, alignment);
  const header = encodeHeader(kv, placed, opts.version ?? GGUF_VERSION);
  const dataOffset = padTo(header.length, alignment);
  const last = placed[placed.length - 1];
  const total = dataOffset + (last ? last.offset + padTo(last.nBytes, alignment) : 0);
  const out = Buffer.alloc(total);
  header.copy(out, 0);
  placed.forEach((t, i) => {
    const data = tensors[i].data;
    if (data.byteLength !== t.nBytes) {
      throw new GGUFError('ESIZE', -1, `tensor '${t.name}' has ${data.byteLength} bytes of data, its type and shape need ${t.nBytes}`);
    }
    out.set(data, dataOffset + t.offset);
  });
  return out;
}
