// Test and benchmark entry points of the native matmul kernels (the model
// forward pass uses them from C++). A product is y[t][r] = W[r] . x[t], with
// the activations x first quantized to the weight type's dot-product format,
// as the reference CPU backend does.
import { loadAddon } from './addon';
import { GGMLType, findTypeTraits } from './ggml-types';
import { NativeError } from './native-error';

/** Which kernels run: the fastest for this CPU, or a named instruction set. */
export type MatmulPath = 'auto' | 'scalar' | 'avx2' | 'avx512';

/** Weight types with matmul kernels. */
export const MATMUL_TYPES: readonly GGMLType[] = [
  GGMLType.F32, GGMLType.F16, GGMLType.BF16,
  GGMLType.Q4_0, GGMLType.Q4_1, GGMLType.Q5_0, GGMLType.Q5_1, GGMLType.Q8_0, GGMLType.IQ4_NL,
  GGMLType.Q2_K, GGMLType.Q3_K, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K, GGMLType.IQ4_XS,
];

export interface MatmulArgs {
  type: GGMLType;
  /** rows x (cols / blockSize) blocks, as stored in a GGUF tensor. */
  weights: Uint8Array;
  rows: number;
  cols: number;
  /** nTokens rows of quantized activations, from quantizeActivations(). */
  xq: Uint8Array;
  nTokens: number;
  path?: MatmulPath;
  /** Pack the weights first (8 rows interleaved) where this CPU has a packed kernel. */
  packed?: boolean;
  /** Row boundaries: each range is computed by its own call, as a thread pool splits rows. */
  splits?: number[];
}

interface MatmulAddon {
  matmulActivationRowBytes(type: number, cols: number): number;
  matmulQuantizeActivations(type: number, x: Float32Array, cols: number): Buffer;
  matmulRun(type: number, w: Uint8Array, rows: number, cols: number, xq: Uint8Array, nTokens: number, path: MatmulPath, packed: boolean, splits: number[]): Float32Array;
  matmulTime(type: number, w: Uint8Array, rows: number, cols: number, xq: Uint8Array, nTokens: number, path: MatmulPath, iterations: number, copies: number, packed: boolean): number;
  matmulPackedBytes(type: number, rows: number, cols: number): number;
  matmulBestPath(): Exclude<MatmulPath, 'auto'>;
}

function addon(): MatmulAddon {
  return loadAddon() as unknown as MatmulAddon;
}

function invalid(message: string): NativeError {
  return new NativeError('EINVAL', message);
}

function checkType(type: GGMLType): { blockSize: number; typeSize: number; name: string } {
  const t = findTypeTraits(type);
  if (!t || !MATMUL_TYPES.includes(type)) {
    throw new NativeError('EUNSUPPORTED', `matmul has no kernel for ${t ? t.name : `type ${String(type)}`}; use one of ${MATMUL_TYPES.map((x) => GGMLType[x]).join(', ')}`);
  }
  return t;
}

function checkCount(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 1) throw invalid(`${name} must be a positive integer, got ${v}`);
}

function checkCols(type: GGMLType, cols: number): { blockSize: number; typeSize: number; name: string } {
  const t = checkType(type);
  checkCount('cols', cols);
  if (cols % t.blockSize !== 0) throw invalid(`cols (${cols}) must be a multiple of ${t.name}'s block size ${t.blockSize}`);
  return t;
}

function checkPath(path: MatmulPath): MatmulPath {
  if (!['auto', 'scalar', 'avx2', 'avx512'].includes(path)) {
    throw invalid(`path must be 'auto', 'scalar', 'avx2' or 'avx512', got ${String(path)}`);
  }
  return path;
}

/** Bytes of one quantized activation row for `type` weights with `cols` columns. */
export function activationRowBytes(type: GGMLType, cols: number): number {
  checkCols(type, cols);
  return addon().matmulActivationRowBytes(type, cols);
}

/** Quantizes rows of `cols` floats to `type`'s dot-product format (Q8_0, Q8_1, Q8_K, F16, BF16 or F32). */
export function quantizeActivations(type: GGMLType, x: Float32Array, cols: number): Buffer {
  checkCols(type, cols);
  if (!(x instanceof Float32Array)) throw invalid('x must be a Float32Array');
  if (x.length % cols !== 0) throw invalid(`x has ${x.length} floats, not a whole number of rows of ${cols}`);
  return addon().matmulQuantizeActivations(type, x, cols);
}

function checkProduct(a: MatmulArgs): MatmulPath {
  const t = checkCols(a.type, a.cols);
  checkCount('rows', a.rows);
  checkCount('nTokens', a.nTokens);
  const rowBytes = (a.cols / t.blockSize) * t.typeSize;
  if (!(a.weights instanceof Uint8Array) || a.weights.byteLength < rowBytes * a.rows) {
    throw invalid(`weights must be a Uint8Array of at least ${rowBytes * a.rows} bytes (${a.rows} rows of ${rowBytes})`);
  }
  const xRow = addon().matmulActivationRowBytes(a.type, a.cols);
  if (!(a.xq instanceof Uint8Array) || a.xq.byteLength < xRow * a.nTokens) {
    throw invalid(`xq must be a Uint8Array of at least ${xRow * a.nTokens} bytes (${a.nTokens} rows of ${xRow}); make it with quantizeActivations()`);
  }
  const splits = a.splits ?? [];
  splits.forEach((s, i) => {
    if (!Number.isInteger(s) || s <= (i === 0 ? 0 : splits[i - 1]) || s >= a.rows) {
      throw invalid(`splits must be increasing row indices between 1 and rows - 1, got [${splits.join(', ')}]`);
    }
  });
  return checkPath(a.path ?? 'auto');
}

/** y (nTokens x rows, token-major) = W . x for every token. */
export function matmul(a: MatmulArgs): Float32Array {
  const path = checkProduct(a);
  return addon().matmulRun(a.type, a.weights, a.rows, a.cols, a.xq, a.nTokens, path, a.packed ?? false, a.splits ?? []);
}

/**
 * Mean seconds per product over `iterations` runs on one thread (benchmarks).
 * `weights` may hold `copies` matrices back to back, used in turn, so that a
 * buffer larger than the caches streams from memory like a model's weights.
 */
export function timeMatmul(a: MatmulArgs, iterations: number, copies = 1): number {
  const path = checkProduct(a);
  checkCount('iterations', iterations);
  checkCount('copies', copies);
  const t = findTypeTraits(a.type)!;
  const matrixBytes = (a.cols / t.blockSize) * t.typeSize * a.rows;
  if (a.weights.byteLength < matrixBytes * copies) throw invalid(`weights must hold ${copies} matrices of ${matrixBytes} bytes`);
  return addon().matmulTime(a.type, a.weights, a.rows, a.cols, a.xq, a.nTokens, path, iterations, copies, a.packed ?? false);
}

/** Bytes of the packed copy of a rows x cols matrix of `type` on this CPU; 0 when there is no packed kernel. */
export function packedWeightsBytes(type: GGMLType, rows: number, cols: number): number {
  checkCols(type, cols);
  checkCount('rows', rows);
  return addon().matmulPackedBytes(type, rows, cols);
}

/** The instruction set 'auto' uses on this CPU. */
export function bestMatmulPath(): Exclude<MatmulPath, 'auto'> {
  return addon().matmulBestPath();
}
