// The GGUF header parser: magic, version, counts, key/values, tensor infos,
// with the same checks as ggml's reader (gguf_init_from_reader). Written as a
// generator that yields "I need n bytes" so one implementation serves both an
// in-memory buffer and an incrementally read file handle. Every allocation is
// bounded by the bytes left in the file, so hostile counts fail fast.

import { GGMLType, GGML_TYPE_COUNT, findTypeTraits } from '@tessera/native';
import { ByteWindow } from './byte-window';
import { GGUFError, REGENERATE_HINT } from './errors';
import {
  GGML_MAX_DIMS,
  GGML_MAX_NAME,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_KEY_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_MAX_ARRAY_ELEMENTS,
  GGUF_MAX_STRING_LENGTH,
  GGUF_VERSION,
  isPowerOfTwo,
  padTo,
} from './layout';
import { GGUFMetadata } from './metadata';
import { GGUFValue, GGUFValueType, fixedSizeOf, isValueType, valueTypeName } from './values';

export interface GGUFTensorInfo {
  name: string;
  /** ne in ggml order (ne[0] = row length), as many as the file stores. */
  dims: number[];
  type: GGMLType;
  /** Offset of the data relative to the data section. */
  offset: number;
  /** Offset of the data from the start of the file. */
  absoluteOffset: number;
  /** Bytes of data (unpadded). */
  nBytes: number;
  nElements: number;
}

export interface GGUFFile {
  version: number;
  kv: GGUFMetadata;
  tensors: GGUFTensorInfo[];
  tensorsByName: ReadonlyMap<string, GGUFTensorInfo>;
  alignment: number;
  /** File offset just past the last tensor info (before the alignment padding). */
  headerEnd: number;
  /** File offset of the data section. */
  dataOffset: number;
  /** Σ PAD(nBytes, alignment): the data section's size. */
  dataSize: number;
  /** Size of the file (or of the buffer, for parseGGUF without a fileSize). */
  fileSize: number;
}

export interface ParseOptions {
  /** Check that every tensor's bytes lie within the file (default true). */
  checkData?: boolean;
}

// Smallest possible records, used to reject counts no file of this size could hold.
const MIN_KV_BYTES = 8 + 1 + 4 + 1; // key length, 1-byte key, type, 1-byte value
const MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8; // name length, n_dims, type, offset
const INT64_MAX = (1n << 63n) - 1n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const NUMERIC_CHUNK = 1 << 16;

export function* parseHeader(w: ByteWindow, opts: ParseOptions = {}): Generator<number, GGUFFile, void> {
  const { version, nTensors, nKV } = yield* readPreamble(w);
  const map = new Map<string, GGUFValue>();
  let alignmentAt = -1;
  for (let i = 0; i < nKV; i++) {
    const at = w.offset;
    const { key, value } = yield* readKV(w, i, map);
    if (key === GGUF_KEY_ALIGNMENT) alignmentAt = at;
    map.set(key, value);
  }
  const alignment = checkAlignment(map.get(GGUF_KEY_ALIGNMENT), alignmentAt);

  const tensors: GGUFTensorInfo[] = [];
  const tensorsByName = new Map<string, GGUFTensorInfo>();
  const cNames = new Set<string>();
  const declaredOffsets: { value: bigint; at: number }[] = [];
  for (let i = 0; i < nTensors; i++) {
    const { info, offset } = yield* readTensorInfo(w, i, cNames);
    tensors.push(info);
    tensorsByName.set(info.name, info);
    cNames.add(info.name.split('\0', 1)[0]);
    declaredOffsets.push(offset);
  }

  const headerEnd = w.offset;
  const dataOffset = nTensors > 0 ? padTo(headerEnd, alignment) : headerEnd;
  if (dataOffset > w.fileSize) {
    throw new GGUFError('ETRUNCATED', headerEnd, `the data section would start at byte ${dataOffset}, past the end of the ${w.fileSize}-byte file; the file is truncated`);
  }
  const dataSize = placeTensors(tensors, declaredOffsets, dataOffset, alignment);
  if (opts.checkData !== false) checkWithinFile(tensors, w.fileSize);

  return {
    version,
    kv: GGUFMetadata.fromDecoded(map),
    tensors,
    tensorsByName,
    alignment,
    headerEnd,
    dataOffset,
    dataSize,
    fileSize: w.fileSize,
  };
}

function* readPreamble(w: ByteWindow): Generator<number, { version: number; nTensors: number; nKV: number }, void> {
  if (w.lacks(24)) yield 24;
  const magicBytes = [w.u8(), w.u8(), w.u8(), w.u8()];
  const magic = magicBytes[0] | (magicBytes[1] << 8) | (magicBytes[2] << 16) | (magicBytes[3] << 24);
  if (magic !== GGUF_MAGIC) {
    const shown = magicBytes.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '?')).join('');
    throw new GGUFError('EBADMAGIC', 0, `not a GGUF file: magic is '${shown}', expected 'GGUF'; pass a .gguf model file`);
  }
  const version = w.u32();
  if (version !== 0 && (version & 0xffff) === 0) {
    throw new GGUFError('EBADENDIAN', 4, `GGUF version ${version} is implausibly large: the file is big-endian (or corrupt); convert it to little-endian`);
  }
  if (version < 2 || version > GGUF_VERSION) {
    throw new GGUFError('EBADVERSION', 4, `GGUF version ${version} is not supported (only 2 and 3); re-convert the model with a current converter`);
  }
  const nTensorsRaw = w.i64();
  const nKVRaw = w.i64();
  const remaining = BigInt(w.remainingInFile());
  if (nTensorsRaw < 0n || nKVRaw < 0n) {
    throw new GGUFError('EBADCOUNT', nTensorsRaw < 0n ? 8 : 16, `negative count (n_tensors ${nTensorsRaw}, n_kv ${nKVRaw}); ${REGENERATE_HINT}`);
  }
  if (nKVRaw * BigInt(MIN_KV_BYTES) + nTensorsRaw * BigInt(MIN_TENSOR_INFO_BYTES) > remaining) {
    throw new GGUFError('EBADCOUNT', 8, `header claims ${nTensorsRaw} tensors and ${nKVRaw} key/values, more than the remaining ${remaining} bytes can hold (truncated or corrupt file); ${REGENERATE_HINT}`);
  }
  return { version, nTensors: Number(nTensorsRaw), nKV: Number(nKVRaw) };
}

function* readKV(w: ByteWindow, index: number, seen: Map<string, GGUFValue>): Generator<number, { key: string; value: GGUFValue }, void> {
  const keyAt = w.offset;
  const key = yield* readString(w, `key ${index}`);
  if (key.length === 0) {
    throw new GGUFError('EEMPTYKEY', keyAt, `metadata key ${index} is empty; ${REGENERATE_HINT}`);
  }
  if (seen.has(key)) {
    throw new GGUFError('EDUPKEY', keyAt, `metadata key '${key}' appears twice; ${REGENERATE_HINT}`);
  }
  const typeAt = w.offset;
  if (w.lacks(4)) yield 4;
  const type = w.i32();
  if (type !== GGUFValueType.ARRAY) {
    checkValueType(key, type, typeAt, false);
    return { key, value: yield* readScalar(w, type as GGUFValueType, key) };
  }
  if (w.lacks(12)) yield 12;
  const elemAt = w.offset;
  const elemType = w.i32();
  const countAt = w.offset;
  const count = w.u64();
  checkValueType(key, elemType, elemAt, true);
  return { key, value: yield* readArray(w, elemType as GGUFValueType, count, key, countAt) };
}

function checkValueType(key: string, type: number, at: number, inArray: boolean): void {
  if (!isValueType(type) || (inArray && type === GGUFValueType.ARRAY)) {
    const what = inArray ? 'array element type' : 'value type';
    throw new GGUFError('EBADTYPE', at, `metadata key '${key}' has invalid ${what} ${type}${inArray && type === GGUFValueType.ARRAY ? ' (nested arrays are not supported)' : ''}; ${REGENERATE_HINT}`);
  }
}

function* readScalar(w: ByteWindow, type: GGUFValueType, key: string): Generator<number, GGUFValue, void> {
  if (type === GGUFValueType.STRING) {
    return { type, value: yield* readString(w, `value of '${key}'`) };
  }
  const size = fixedSizeOf(type);
  if (w.lacks(size)) yield size;
  return readFixed(w, type);
}

function readFixed(w: ByteWindow, type: GGUFValueType): GGUFValue {
  switch (type) {
    case GGUFValueType.UINT8:
      return { type, value: w.u8() };
    case GGUFValueType.INT8:
      return { type, value: w.i8() };
    case GGUFValueType.UINT16:
      return { type, value: w.u16() };
    case GGUFValueType.INT16:
      return { type, value: w.i16() };
    case GGUFValueType.UINT32:
      return { type, value: w.u32() };
    case GGUFValueType.INT32:
      return { type, value: w.i32() };
    case GGUFValueType.FLOAT32:
      return { type, value: w.f32() };
    case GGUFValueType.FLOAT64:
      return { type, value: w.f64() };
    case GGUFValueType.UINT64:
      return { type, value: w.u64() };
    case GGUFValueType.INT64:
      return { type, value: w.i64() };
    case GGUFValueType.BOOL:
      return { type, value: w.i8() !== 0 };
    default:
      throw new Error(`readFixed called with variable-size type ${type}`);
  }
}

function* readArray(w: ByteWindow, elemType: GGUFValueType, count: bigint, key: string, countAt: number): Generator<number, GGUFValue, void> {
  if (count > BigInt(GGUF_MAX_ARRAY_ELEMENTS)) {
    throw new GGUFError('ETOOLARGE', countAt, `array '${key}' has ${count} elements, more than the limit of ${GGUF_MAX_ARRAY_ELEMENTS}; ${REGENERATE_HINT}`);
  }
  const n = Number(count);
  const minElemBytes = elemType === GGUFValueType.STRING ? 8 : fixedSizeOf(elemType);
  if (n * minElemBytes > w.remainingInFile()) {
    throw new GGUFError('ETRUNCATED', countAt, `array '${key}' of ${n} ${valueTypeName(elemType)} needs at least ${n * minElemBytes} bytes but only ${w.remainingInFile()} remain; the file is truncated or corrupt`);
  }
  const items: unknown[] = new Array(n);
  if (elemType === GGUFValueType.STRING) {
    const subject = `'${key}'`;
    for (let i = 0; i < n; i++) {
      const at = w.offset;
      if (w.lacks(8)) yield 8;
      const len = stringLength(w, at, subject, i);
      if (w.lacks(len)) yield len;
      items[i] = stringBody(w, len, at, subject, i);
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (w.lacks(minElemBytes)) yield Math.min((n - i) * minElemBytes, NUMERIC_CHUNK);
      items[i] = readFixed(w, elemType).value;
    }
  }
  return { type: GGUFValueType.ARRAY, elemType, value: items } as GGUFValue;
}

/** A length-prefixed string; `index` marks an array element (its label is only built for errors). */
function* readString(w: ByteWindow, subject: string, index = -1): Generator<number, string, void> {
  const at = w.offset;
  if (w.lacks(8)) yield 8;
  const n = stringLength(w, at, subject, index);
  if (w.lacks(n)) yield n;
  return stringBody(w, n, at, subject, index);
}

// readString's two halves, so loops over many strings can run them without a
// generator per element (the hot path for tokenizer vocabularies).

function stringLength(w: ByteWindow, at: number, subject: string, index: number): number {
  const len = w.u64();
  if (len > BigInt(GGUF_MAX_STRING_LENGTH)) {
    throw new GGUFError('ETOOLARGE', at, `${describe(subject, index)} has length ${len}, more than the 1 GiB limit; ${REGENERATE_HINT}`);
  }
  const n = Number(len);
  if (n > w.remainingInFile()) {
    throw new GGUFError('ETRUNCATED', at, `${describe(subject, index)} has length ${n} but only ${w.remainingInFile()} bytes remain; the file is truncated or corrupt`);
  }
  return n;
}

function stringBody(w: ByteWindow, n: number, at: number, subject: string, index: number): string {
  const text = w.utf8(n);
  if (text === undefined) {
    throw new GGUFError('EBADUTF8', at + 8, `${describe(subject, index)} is not valid UTF-8; the writer stored raw bytes where text belongs: re-convert the file`);
  }
  return text;
}

function describe(subject: string, index: number): string {
  return index < 0 ? subject : `element ${index} of ${subject}`;
}

function checkAlignment(value: GGUFValue | undefined, at: number): number {
  if (value === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (value.type !== GGUFValueType.UINT32) {
    throw new GGUFError('EBADALIGN', at, `'${GGUF_KEY_ALIGNMENT}' must be UINT32 but is ${valueTypeName(value.type)}; ${REGENERATE_HINT}`);
  }
  if (!isPowerOfTwo(value.value)) {
    throw new GGUFError('EBADALIGN', at, `'${GGUF_KEY_ALIGNMENT}' = ${value.value} is not a power of two; ${REGENERATE_HINT}`);
  }
  return value.value;
}

function* readTensorInfo(
  w: ByteWindow,
  index: number,
  seen: ReadonlySet<string>,
): Generator<number, { info: GGUFTensorInfo; offset: { value: bigint; at: number } }, void> {
  const nameAt = w.offset;
  const name = yield* readString(w, `name of tensor ${index}`);
  const nameBytes = Buffer.byteLength(name, 'utf8');
  if (nameBytes >= GGML_MAX_NAME) {
    throw new GGUFError('EBADNAME', nameAt, `tensor ${index} name is ${nameBytes} bytes, the limit is ${GGML_MAX_NAME - 1}; rename the tensor`);
  }
  // ggml compares names as C strings, so two names equal up to a NUL clash there.
  const cName = name.split('\0', 1)[0];
  if (seen.has(cName)) {
    throw new GGUFError('EDUPTENSOR', nameAt, `tensor name '${cName}' appears twice; ${REGENERATE_HINT}`);
  }
  const dims = yield* readDims(w, name);
  const typeAt = w.offset;
  if (w.lacks(12)) yield 12;
  const type = w.i32();
  const traits = type >= 0 && type < GGML_TYPE_COUNT ? findTypeTraits(type) : undefined;
  if (!traits) {
    throw new GGUFError('EBADTENSORTYPE', typeAt, `tensor '${name}' has unknown or removed ggml type ${type}; re-quantize it to a supported type`);
  }
  if (dims.values[0] % BigInt(traits.blockSize) !== 0n) {
    throw new GGUFError('EBADSHAPE', typeAt, `tensor '${name}' of type ${traits.name} has rows of ${dims.values[0]} elements, not a multiple of the block size ${traits.blockSize}; ${REGENERATE_HINT}`);
  }
  const nBytesBig = (dims.nElements / BigInt(traits.blockSize)) * BigInt(traits.typeSize);
  if (nBytesBig > SAFE_MAX) {
    throw new GGUFError('ETOOLARGE', typeAt, `tensor '${name}' would hold ${nBytesBig} bytes, more than this reader can address; ${REGENERATE_HINT}`);
  }
  const offsetAt = w.offset;
  const offset = w.u64();
  const info: GGUFTensorInfo = {
    name,
    dims: dims.stored,
    type: type as GGMLType,
    offset: 0, // placed once the data section start is known
    absoluteOffset: 0,
    nBytes: Number(nBytesBig),
    nElements: Number(dims.nElements),
  };
  return { info, offset: { value: offset, at: offsetAt } };
}

/** Reads n_dims and ne[]; returns the stored dims, the 4-d padded values and the element count. */
function* readDims(w: ByteWindow, name: string): Generator<number, { stored: number[]; values: bigint[]; nElements: bigint }, void> {
  const at = w.offset;
  if (w.lacks(4)) yield 4;
  const nDims = w.u32();
  if (nDims > GGML_MAX_DIMS) {
    throw new GGUFError('EBADDIMS', at, `tensor '${name}' has ${nDims} dimensions, at most ${GGML_MAX_DIMS} are allowed; ${REGENERATE_HINT}`);
  }
  if (w.lacks(8 * nDims)) yield 8 * nDims;
  const values: bigint[] = [1n, 1n, 1n, 1n];
  for (let j = 0; j < nDims; j++) {
    const dimAt = w.offset;
    const ne = w.i64();
    if (ne < 0n) {
      throw new GGUFError('EBADDIMS', dimAt, `tensor '${name}' dimension ${j} is ${ne} (negative); ${REGENERATE_HINT}`);
    }
    if (ne > SAFE_MAX) {
      throw new GGUFError('ETOOLARGE', dimAt, `tensor '${name}' dimension ${j} is ${ne}, larger than this reader can address; ${REGENERATE_HINT}`);
    }
    values[j] = ne;
  }
  const [ne0, ne1, ne2, ne3] = values;
  const nElements = ne0 * ne1 * ne2 * ne3;
  // Same overflow rule as ggml: every partial product must stay below INT64_MAX.
  if (nElements > 0n && (INT64_MAX / ne1 <= ne0 || INT64_MAX / ne2 <= ne0 * ne1 || INT64_MAX / ne3 <= ne0 * ne1 * ne2)) {
    throw new GGUFError('EBADDIMS', at, `tensor '${name}' shape [${values.join(', ')}] has too many elements; ${REGENERATE_HINT}`);
  }
  if (nElements > SAFE_MAX) {
    throw new GGUFError('ETOOLARGE', at, `tensor '${name}' has ${nElements} elements, more than this reader can address; ${REGENERATE_HINT}`);
  }
  return { stored: values.slice(0, nDims).map(Number), values, nElements };
}

/** Applies ggml's strict rule (data contiguous in info order, minimal padding); returns the data size. */
function placeTensors(tensors: GGUFTensorInfo[], declared: { value: bigint; at: number }[], dataOffset: number, alignment: number): number {
  let expected = 0;
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i];
    if (declared[i].value !== BigInt(expected)) {
      throw new GGUFError('EBADOFFSET', declared[i].at, `tensor '${t.name}' has data offset ${declared[i].value}, expected ${expected}: data must follow the tensor infos' order with minimal padding to ${alignment}; rewrite the file with a conforming writer`);
    }
    t.offset = expected;
    t.absoluteOffset = dataOffset + expected;
    expected += padTo(t.nBytes, alignment);
    if (expected > Number.MAX_SAFE_INTEGER) {
      throw new GGUFError('ETOOLARGE', declared[i].at, `data section exceeds ${Number.MAX_SAFE_INTEGER} bytes at tensor '${t.name}'; ${REGENERATE_HINT}`);
    }
  }
  return expected;
}

function checkWithinFile(tensors: GGUFTensorInfo[], fileSize: number): void {
  for (const t of tensors) {
    if (t.absoluteOffset + t.nBytes > fileSize) {
      throw new GGUFError('ETRUNCATED', fileSize, `tensor '${t.name}' data ends at byte ${t.absoluteOffset + t.nBytes}, past the end of the ${fileSize}-byte file; the file is truncated (re-copy or re-download it)`);
    }
  }
}
