// Argument checks for the conversion entry points (convert.ts), run before any
// native call so that mistakes get messages naming the problem. Each check
// returns the plain values the addon takes.
import { GGMLType, findTypeTraits, type TypeTraits } from './ggml-types';
import { NativeError } from './native-error';
import { defaultThreads } from './threads';

export interface QuantizeOptions {
  /** Per-column importance weights (length nPerRow), from an imatrix file. */
  imatrix?: Float32Array;
  /** Native threads to split the rows over (default: defaultThreads()). */
  threads?: number;
  /** Aborting rejects the promise with NativeError code 'EABORT'. */
  signal?: AbortSignal;
  /**
   * Where to write the result, instead of a new buffer: at least the result's
   * size, not sharing memory with `src`. The result is then a Buffer view of
   * out's first bytes, and nothing is allocated; do not touch `out` until the
   * promise settles.
   */
  out?: Uint8Array;
}

export interface DequantizeOptions {
  threads?: number;
  signal?: AbortSignal;
  /** Where to write the values (at least nElements long, apart from `src`); the result is then a view of it. */
  out?: Float32Array;
}

const MAX_THREADS = 512;

// Typed arrays are recognised by their internal type name rather than with
// `instanceof`, which fails across realms: arrays the addon makes belong to the
// main realm, while a caller in a vm context (as under Jest) has its own
// Float32Array. The %TypedArray% toStringTag getter reads that internal name
// (undefined for anything that is not a typed array), so unlike
// Object.prototype.toString it cannot be faked with a Symbol.toStringTag property.
const typedArrayName = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag)!.get!;

type ArrayKind = 'Float32Array' | 'Uint8Array';

function isTypedArrayOf(value: unknown, name: ArrayKind): boolean {
  return ArrayBuffer.isView(value) && typedArrayName.call(value) === name;
}

function invalid(message: string): NativeError {
  return new NativeError('EINVAL', message);
}

function traitsOf(type: GGMLType, direction: 'quantize' | 'dequantize'): TypeTraits {
  const t = typeof type === 'number' ? findTypeTraits(type) : undefined;
  if (!t) throw invalid(`unknown ggml tensor type ${String(type)}; pass a GGMLType value`);
  const ok = direction === 'quantize' ? t.quantizable : t.dequantizable;
  if (!ok) {
    throw new NativeError(
      'EUNSUPPORTED',
      direction === 'quantize'
        ? `${t.name} cannot be produced by the native kernels; choose another target type`
        : `${t.name} cannot be read by the native kernels`,
    );
  }
  return t;
}

function checkThreads(threads: number | undefined): number {
  if (threads === undefined) return defaultThreads();
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw invalid(`threads must be an integer from 1 to ${MAX_THREADS}, got ${threads}`);
  }
  return threads;
}

function checkNPerRow(nPerRow: number, ...types: TypeTraits[]): void {
  if (!Number.isSafeInteger(nPerRow) || nPerRow <= 0) throw invalid(`nPerRow must be a positive integer, got ${nPerRow}`);
  for (const t of types) {
    if (nPerRow % t.blockSize !== 0) {
      throw invalid(`a row of ${nPerRow} elements is not a multiple of ${t.name}'s block size ${t.blockSize}`);
    }
  }
}

function checkImatrix(imatrix: Float32Array | undefined, nPerRow: number): void {
  if (imatrix === undefined) return;
  if (!isTypedArrayOf(imatrix, 'Float32Array')) throw invalid('imatrix must be a Float32Array');
  if (imatrix.length !== nPerRow) {
    throw invalid(`imatrix has ${imatrix.length} weights but rows have ${nPerRow} columns; they must match`);
  }
}

/** A caller's output array: the right kind, big enough, and apart from the source the native threads read. */
function checkOut<T extends ArrayBufferView>(out: T | undefined, kind: ArrayKind, bytes: number, src: ArrayBufferView): T | undefined {
  if (out === undefined) return undefined;
  if (!isTypedArrayOf(out, kind)) throw invalid(`out must be a ${kind === 'Uint8Array' ? 'Uint8Array or Buffer' : kind}`);
  if (out.byteLength < bytes) {
    // A transferred (detached) ArrayBuffer reads as empty.
    const why = out.buffer.byteLength === 0 && bytes > 0 ? ' (is its memory transferred or detached?)' : '';
    throw invalid(`out holds ${out.byteLength} bytes but the result needs ${bytes}${why}; pass a larger array`);
  }
  const sameMemory = out.buffer === src.buffer;
  if (sameMemory && bytes > 0 && out.byteOffset < src.byteOffset + src.byteLength && src.byteOffset < out.byteOffset + bytes) {
    throw invalid('out overlaps src; the result must go to separate memory');
  }
  return out;
}

export interface QuantizeArgs {
  type: number;
  src: Float32Array;
  nPerRow: number;
  imatrix: Float32Array | undefined;
  threads: number;
  out: Uint8Array | undefined;
  /** Bytes of the result. */
  bytes: number;
}

export function checkQuantize(type: GGMLType, src: Float32Array, nPerRow: number, opts: QuantizeOptions): QuantizeArgs {
  const t = traitsOf(type, 'quantize');
  if (!isTypedArrayOf(src, 'Float32Array')) throw invalid('src must be a Float32Array holding whole rows');
  checkNPerRow(nPerRow, t);
  if (src.length % nPerRow !== 0) {
    throw invalid(`src has ${src.length} elements, which is not a whole number of ${nPerRow}-element rows`);
  }
  checkImatrix(opts.imatrix, nPerRow);
  const bytes = (src.length / t.blockSize) * t.typeSize;
  const out = checkOut(opts.out, 'Uint8Array', bytes, src);
  return { type: t.type, src, nPerRow, imatrix: opts.imatrix, threads: checkThreads(opts.threads), out, bytes };
}

export interface QuantizeFromArgs extends Omit<QuantizeArgs, 'src'> {
  fromType: number;
  src: Uint8Array;
}

export function checkQuantizeFrom(fromType: GGMLType, type: GGMLType, src: Uint8Array, nPerRow: number, opts: QuantizeOptions): QuantizeFromArgs {
  const from = traitsOf(fromType, 'dequantize');
  const t = traitsOf(type, 'quantize');
  if (!isTypedArrayOf(src, 'Uint8Array')) throw invalid(`src must be a Uint8Array or Buffer holding whole ${from.name} rows`);
  checkNPerRow(nPerRow, from, t);
  const rowBytes = (nPerRow / from.blockSize) * from.typeSize;
  if (src.byteLength % rowBytes !== 0) {
    throw invalid(`src has ${src.byteLength} bytes, which is not a whole number of ${nPerRow}-element ${from.name} rows (${rowBytes} bytes each)`);
  }
  checkImatrix(opts.imatrix, nPerRow);
  const bytes = (src.byteLength / rowBytes) * (nPerRow / t.blockSize) * t.typeSize;
  const out = checkOut(opts.out, 'Uint8Array', bytes, src);
  return { fromType: from.type, type: t.type, src, nPerRow, imatrix: opts.imatrix, threads: checkThreads(opts.threads), out, bytes };
}

export interface DequantizeArgs {
  type: number;
  src: Uint8Array;
  nElements: number;
  threads: number;
  out: Float32Array | undefined;
}

export function checkDequantize(type: GGMLType, src: Uint8Array, nElements: number, opts: Omit<DequantizeOptions, 'signal'>): DequantizeArgs {
  const t = traitsOf(type, 'dequantize');
  if (!isTypedArrayOf(src, 'Uint8Array')) throw invalid('src must be a Uint8Array or Buffer');
  if (!Number.isSafeInteger(nElements) || nElements < 0) {
    throw invalid(`nElements must be a non-negative integer, got ${nElements}`);
  }
  if (nElements % t.blockSize !== 0) {
    throw invalid(`${nElements} elements is not a multiple of ${t.name}'s block size ${t.blockSize}`);
  }
  const bytes = (nElements / t.blockSize) * t.typeSize;
  if (src.byteLength !== bytes) {
    throw invalid(`${nElements} ${t.name} elements take ${bytes} bytes, but src has ${src.byteLength}`);
  }
  const out = checkOut(opts.out, 'Float32Array', nElements * 4, src);
  return { type: t.type, src, nElements, threads: checkThreads(opts.threads), out };
}
