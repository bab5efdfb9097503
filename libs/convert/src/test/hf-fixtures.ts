// Helpers for converter tests: read a GGUF tensor's bytes, read a raw
// safetensors tensor with an independent minimal parser, tweak HF files.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GGUFFile } from '@tessera/gguf';

export function ggufTensorBytes(path: string, file: GGUFFile, name: string): Buffer {
  const t = file.tensorsByName.get(name);
  if (!t) throw new Error(`no tensor ${name}`);
  return readFileSync(path).subarray(t.absoluteOffset, t.absoluteOffset + t.nBytes);
}

/** Independent of the library's reader: JSON header + byte slice. */
export function rawSafetensor(path: string, name: string): { dtype: string; shape: number[]; bytes: Buffer } {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const e = header[name];
  return { dtype: e.dtype, shape: e.shape, bytes: buf.subarray(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1]) };
}

export function editJson(dir: string, file: string, edit: (j: Record<string, unknown>) => void): void {
  const p = join(dir, file);
  const j = JSON.parse(readFileSync(p, 'utf8'));
  edit(j);
  writeFileSync(p, JSON.stringify(j));
}

export function f32s(bytes: Uint8Array): Float32Array {
  return new Float32Array(Uint8Array.from(bytes).buffer);
}

export function u16s(bytes: Uint8Array): Uint16Array {
  return new Uint16Array(Uint8Array.from(bytes).buffer);
}
