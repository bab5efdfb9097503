// Paths and loaders for the reference outputs in /work/shared/golden/micro
// (llama-quantize run on a small random-weight model).
import { join } from 'node:path';
import { GGMLType, rowSize } from '../ggml-types';
import { readTestTensors, type TestTensor } from './gguf-tensors';

export const GOLDEN_DIR = process.env.TESSERA_GOLDEN_DIR ?? join(__dirname, '..', '..', '..', '..', '..', 'shared', 'golden', 'micro');

export function goldenPath(preset: string): string {
  return join(GOLDEN_DIR, `micro-${preset}.gguf`);
}

/** Tensors of micro-<preset>.gguf. */
export function goldenTensors(preset: string): TestTensor[] {
  return readTestTensors(goldenPath(preset), (type, n) => rowSize(type, n));
}

/** The unquantized source tensors (all F32), by name. */
export function goldenSource(): Map<string, TestTensor> {
  const tensors = goldenTensors('f32');
  for (const t of tensors) {
    if (t.type !== GGMLType.F32) throw new Error(`golden source tensor ${t.name} is not F32`);
  }
  return new Map(tensors.map((t) => [t.name, t]));
}
