// Parsing and strict validation of a safetensors header: an 8-byte
// little-endian length, then that many bytes of JSON mapping tensor names to
// {dtype, shape, data_offsets}. Offsets are relative to the end of the header.
// Every malformed input becomes a ConvertError, never a crash or a hang.

import { ConvertError } from '../errors';
import { SAFETENSORS_DTYPE_SIZES } from './dtypes';

/** Largest header we accept (the reference library's limit is 100 MB too). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: string;
  /** Row-major (PyTorch) shape, outermost dimension first. */
  readonly shape: readonly number[];
  /** Byte offsets relative to the data section: [begin, end). */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  /** Absolute file offset of the data section (8 + header length). */
  readonly dataStart: number;
  /** Entries in data order (ascending begin). */
  readonly entries: readonly SafetensorsEntry[];
  readonly metadata: Readonly<Record<string, string>>;
}

function bad(file: string, what: string): ConvertError {
  return new ConvertError(
    'CONVERT_BAD_SAFETENSORS',
    `${file}: ${what}; the file is not a valid safetensors file (re-download or re-export it)`,
  );
}

/** Reads the header length from the first 8 bytes and checks it fits the file. */
export function parseHeaderLength(first8: Buffer, fileSize: number, file: string): number {
  if (fileSize < 8 || first8.length < 8) throw bad(file, `only ${fileSize} bytes, too short for a header length`);
  const n = first8.readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER_BYTES)) throw bad(file, `header length ${n} exceeds ${MAX_HEADER_BYTES} bytes`);
  const len = Number(n);
  if (len < 2) throw bad(file, `header length ${len} is too small for a JSON object`);
  if (8 + len > fileSize) {
    throw new ConvertError(
      'CONVERT_TRUNCATED',
      `${file}: header claims ${len} bytes but the file has only ${fileSize - 8} after the length; the file is truncated (re-download it)`,
    );
  }
  return len;
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseEntry(file: string, name: string, raw: unknown, dataSize: number): SafetensorsEntry {
  if (name.length === 0) throw bad(file, 'a tensor has an empty name');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(file, `tensor '${name}' is not an object`);
  const r = raw as Record<string, unknown>;
  const dtype = r.dtype;
  if (typeof dtype !== 'string') throw bad(file, `tensor '${name}' has no dtype string`);
  const size = SAFETENSORS_DTYPE_SIZES[dtype];
  if (size === undefined) throw bad(file, `tensor '${name}' has unknown dtype '${dtype}'`);
  const shape = r.shape;
  if (!Array.isArray(shape) || shape.length > 8 || !shape.every(isNonNegInt)) {
    throw bad(file, `tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
  }
  const offsets = r.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegInt) || offsets[0] > offsets[1]) {
    throw bad(file, `tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  let bytes = size;
  for (const d of shape as number[]) {
    bytes *= d;
    if (!Number.isSafeInteger(bytes)) throw bad(file, `tensor '${name}' shape is too large`);
  }
  if (bytes !== end - begin) {
    throw bad(file, `tensor '${name}' (${dtype} ${JSON.stringify(shape)}) needs ${bytes} bytes but data_offsets span ${end - begin}`);
  }
  if (end > dataSize) {
    throw new ConvertError(
      'CONVERT_TRUNCATED',
      `${file}: tensor '${name}' ends at data byte ${end} but only ${dataSize} data bytes exist; the file is truncated (re-download it)`,
    );
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

function parseMetadata(file: string, raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(file, '__metadata__ is not an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string') throw bad(file, `__metadata__ value for '${k}' is not a string`);
    out[k] = v;
  }
  return out;
}

/**
 * Validates the JSON header. `dataSize` is the number of bytes after the
 * header (file size - 8 - header length). Overlapping tensors are rejected.
 */
export function parseHeaderJson(json: Buffer, dataSize: number, file: string): SafetensorsHeader {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    throw bad(file, `header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad(file, 'header is not a JSON object');
  const entries: SafetensorsEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') metadata = parseMetadata(file, raw);
    else entries.push(parseEntry(file, name, raw, dataSize));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1];
    const cur = entries[i];
    if (cur.begin < prev.end) throw bad(file, `tensors '${prev.name}' and '${cur.name}' overlap`);
  }
  return { dataStart: 8 + json.length, entries, metadata };
}
