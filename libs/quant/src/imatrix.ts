// Importance matrices: per-column weights (mean squared activation of each
// input column, gathered by llama-imatrix on calibration text) that steer the
// quantizers toward the columns that matter. Two file formats exist: the GGUF
// one of recent llama.cpp and the older binary ".dat" one; both become the same
// in-memory form, computed exactly as llama-quantize computes it.

import { open, readFile } from 'node:fs/promises';
import { parseGgufImatrix } from './imatrix-gguf';
import { parseLegacyImatrix } from './imatrix-legacy';
import type { Imatrix } from './imatrix-weights';

const GGUF_MAGIC = Buffer.from('GGUF', 'latin1');

/** Loads an imatrix file in either format; throws QUANT_IMATRIX_FORMAT for anything malformed. */
export async function loadImatrix(path: string): Promise<Imatrix> {
  const magic = Buffer.alloc(4);
  const handle = await open(path, 'r');
  try {
    await handle.read(magic, 0, 4, 0);
  } finally {
    await handle.close();
  }
  if (magic.equals(GGUF_MAGIC)) return parseGgufImatrix(path);
  return parseLegacyImatrix(await readFile(path), path);
}
