// Serializes the header (magic, version, counts, key/values, tensor infos) and
// checks tensor specs before anything reaches a file. Shared by the streaming
// writer and the in-memory builder.

import { GGMLType, findTypeTraits } from '@tessera/native';
import { GGUFError } from './errors';
import {
  GGML_MAX_DIMS,
  GGML_MAX_NAME,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_KEY_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VERSION,
  isPowerOfTwo,
  padTo,
  tensorNBytes,
} from './layout';
import { GGUFMetadata } from './metadata';
import { GGUFValue, GGUFValueType } from './values';

/** What the writer needs to know about a tensor before any data is written. */
export interface TensorSpec {
  name: string;
  /** ne in ggml order; written exactly as given (use ggmlDims() to drop trailing 1s like ggml). */
  dims: readonly number[];
  type: GGMLType;
}

/** A tensor spec with its computed size and place in the data section. */
export interface PlacedTensor extends TensorSpec {
  nBytes: number;
  offset: number;
}

/** Checks a spec like the reader would, and returns its data size in bytes. */
export function checkTensorSpec(spec: TensorSpec): number {
  const { name, dims, type } = spec;
  if (typeof name !== 'string' || Buffer.byteLength(name, 'utf8') >= GGML_MAX_NAME) {
    throw new GGUFError('EBADNAME', -1, `tensor name '${name}' must be a string of at most ${GGML_MAX_NAME - 1} UTF-8 bytes`);
  }
  if (dims.length > GGML_MAX_DIMS || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new GGUFError('EBADDIMS', -1, `tensor '${name}' dims [${dims.join(', ')}] must be at most ${GGML_MAX_DIMS} non-negative integers`);
  }
  const traits = findTypeTraits(type);
  if (!traits) throw new GGUFError('EBADTENSORTYPE', -1, `tensor '${name}' has unknown ggml type ${type}`);
  const ne0 = dims.length > 0 ? dims[0] : 1;
  if (ne0 % traits.blockSize !== 0) {
    throw new GGUFError('EBADSHAPE', -1, `tensor '${name}': row length ${ne0} is not a multiple of ${traits.name}'s block size ${traits.blockSize}; pick another type for this tensor`);
  }
  const nBytes = tensorNBytes(type, dims);
  if (!Number.isSafeInteger(nBytes)) throw new GGUFError('ETOOLARGE', -1, `tensor '${name}' is too large (${nBytes} bytes)`);
  return nBytes;
}

/** Assigns contiguous offsets (each tensor padded to `alignment`); rejects duplicate names. */
export function placeTensors(specs: readonly TensorSpec[], alignment: number): PlacedTensor[] {
  const names = new Set<string>();
  let offset = 0;
  return specs.map((spec) => {
    const nBytes = checkTensorSpec(spec);
    if (names.has(spec.name)) throw new GGUFError('EDUPTENSOR', -1, `tensor '${spec.name}' was added twice`);
    names.add(spec.name);
    const placed = { name: spec.name, dims: [...spec.dims], type: spec.type, nBytes, offset };
    offset += padTo(nBytes, alignment);
    return placed;
  });
}

/**
 * The write alignment: `general.alignment` when the metadata has it, else 32.
 * A requested alignment must agree with it, because readers compute offsets
 * from the key alone.
 */
export function resolveAlignment(kv: GGUFMetadata, requested?: number): number {
  const v = kv.get(GGUF_KEY_ALIGNMENT);
  if (requested !== undefined && !isPowerOfTwo(requested)) {
    throw new GGUFError('EBADALIGN', -1, `alignment ${requested} is not a power of two`);
  }
  if (v === undefined) {
    if (requested !== undefined && requested !== GGUF_DEFAULT_ALIGNMENT) {
      throw new GGUFError('EBADALIGN', -1, `alignment ${requested} needs '${GGUF_KEY_ALIGNMENT}' = ${requested} in the metadata, or readers assume ${GGUF_DEFAULT_ALIGNMENT}; set the key`);
    }
    return GGUF_DEFAULT_ALIGNMENT;
  }
  if (v.type !== GGUFValueType.UINT32 || !isPowerOfTwo(v.value)) {
    throw new GGUFError('EBADALIGN', -1, `'${GGUF_KEY_ALIGNMENT}' must be a UINT32 power of two`);
  }
  if (requested !== undefined && requested !== v.value) {
    throw new GGUFError('EBADALIGN', -1, `alignment option ${requested} contradicts '${GGUF_KEY_ALIGNMENT}' = ${v.value}; drop one of them`);
  }
  return v.value;
}

/** The header bytes, without the padding that precedes the data section. */
export function encodeHeader(kv: GGUFMetadata, tensors: readonly PlacedTensor[], version: number = GGUF_VERSION): Buffer {
  const out = new ByteSink();
  out.u32(GGUF_MAGIC);
  out.u32(version);
  out.u64(BigInt(tensors.length));
  out.u64(BigInt(kv.size));
  for (const [key, value] of kv) {
    out.string(key);
    encodeValue(out, value);
  }
  for (const t of tensors) {
    out.string(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(BigInt(d));
    out.i32(t.type);
    out.u64(BigInt(t.offset));
  }
  return out.toBuffer();
}

function encodeValue(out: ByteSink, v: GGUFValue): void {
  out.i32(v.type);
  if (v.type !== GGUFValueType.ARRAY) {
    encodeElement(out, v.type, v.value);
    return;
  }
  out.i32(v.elemType);
  out.u64(BigInt(v.value.length));
  for (const item of v.value) encodeElement(out, v.elemType, item);
}

function encodeElement(out: ByteSink, type: GGUFValueType, v: unknown): void {
  switch (type) {
    case GGUFValueType.UINT8:
      return out.fixed(1, (d, o) => d.setUint8(o, v as number));
    case GGUFValueType.INT8:
      return out.fixed(1, (d, o) => d.setInt8(o, v as number));
    case GGUFValueType.UINT16:
      return out.fixed(2, (d, o) => d.setUint16(o, v as number, true));
    case GGUFValueType.INT16:
      return out.fixed(2, (d, o) => d.setInt16(o, v as number, true));
    case GGUFValueType.UINT32:
      return out.u32(v as number);
    case GGUFValueType.INT32:
      return out.i32(v as number);
    case GGUFValueType.FLOAT32:
      return out.fixed(4, (d, o) => d.setFloat32(o, v as number, true));
    case GGUFValueType.FLOAT64:
      return out.fixed(8, (d, o) => d.setFloat64(o, v as number, true));
    case GGUFValueType.UINT64:
      return out.u64(v as bigint);
    case GGUFValueType.INT64:
      return out.fixed(8, (d, o) => d.setBigInt64(o, v as bigint, true));
    case GGUFValueType.BOOL:
      return out.fixed(1, (d, o) => d.setInt8(o, v ? 1 : 0));
    case GGUFValueType.STRING:
      return out.string(v as string);
    default:
      throw new GGUFError('EBADVALUE', -1, `cannot encode an element of type ${type}`);
  }
}

/** An append-only little-endian byte builder that grows by doubling. */
class ByteSink {
  private buf = Buffer.alloc(4096);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private len = 0;

  fixed(n: number, put: (d: DataView, at: number) => void): void {
    this.reserve(n);
    put(this.view, this.len);
    this.len += n;
  }
  u32(v: number): void {
    this.fixed(4, (d, o) => d.setUint32(o, v, true));
  }
  i32(v: number): void {
    this.fixed(4, (d, o) => d.setInt32(o, v, true));
  }
  u64(v: bigint): void {
    this.fixed(8, (d, o) => d.setBigUint64(o, v, true));
  }
  string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.u64(BigInt(n));
    this.reserve(n);
    this.buf.write(s, this.len, n, 'utf8');
    this.len += n;
  }
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }
}
