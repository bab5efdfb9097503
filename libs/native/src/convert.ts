// Tensor conversion between F32 and every type the native kernels support.
// Arguments are checked here, with messages that name the problem; the work
// runs on native threads and never blocks the event loop (except the *Sync
// variants, meant for small inputs and tests).
import { loadAddon, type CancelToken, type NativeAddon } from './addon';
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
}

export interface DequantizeOptions {
  threads?: number;
  signal?: AbortSignal;
}

const MAX_THREADS = 512;

// Typed arrays are recognised by their internal type name rather than with
// `instanceof`, which fails across realms: arrays the addon makes belong to the
// main realm, while a caller in a vm context (as under Jest) has its own
// Float32Array. The %TypedArray% toStringTag getter reads that internal name
// (undefined for anything that is not a typed array), so unlike
// Object.prototype.toString it cannot be faked with a Symbol.toStringTag property.
const typedArrayName = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag)!.get!;

function isTypedArrayOf(value: unknown, name: 'Float32Array' | 'Uint8Array'): boolean {
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

interface QuantizeArgs {
  type: number;
  src: Float32Array;
  nPerRow: number;
  imatrix: Float32Array | undefined;
  threads: number;
}

function checkQuantize(type: GGMLType, src: Float32Array, nPerRow: number, opts: QuantizeOptions): QuantizeArgs {
  const t = traitsOf(type, 'quantize');
  if (!isTypedArrayOf(src, 'Float32Array')) throw invalid('src must be a Float32Array holding whole rows');
  if (!Number.isSafeInteger(nPerRow) || nPerRow <= 0) throw invalid(`nPerRow must be a positive integer, got ${nPerRow}`);
  if (nPerRow % t.blockSize !== 0) {
    throw invalid(`a row of ${nPerRow} elements is not a multiple of ${t.name}'s block size ${t.blockSize}`);
  }
  if (src.length % nPerRow !== 0) {
    throw invalid(`src has ${src.length} elements, which is not a whole number of ${nPerRow}-element rows`);
  }
  const { imatrix } = opts;
  if (imatrix !== undefined) {
    if (!isTypedArrayOf(imatrix, 'Float32Array')) throw invalid('imatrix must be a Float32Array');
    if (imatrix.length !== nPerRow) {
      throw invalid(`imatrix has ${imatrix.length} weights but rows have ${nPerRow} columns; they must match`);
    }
  }
  return { type: t.type, src, nPerRow, imatrix, threads: checkThreads(opts.threads) };
}

interface DequantizeArgs {
  type: number;
  src: Uint8Array;
  nElements: number;
  threads: number;
}

function checkDequantize(type: GGMLType, src: Uint8Array, nElements: number, threads: number | undefined): DequantizeArgs {
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
  return { type: t.type, src, nElements, threads: checkThreads(threads) };
}

function abortError(): NativeError {
  return new NativeError('EABORT', 'the operation was aborted');
}

// Runs a native async call with an optional AbortSignal wired to a native
// cancel token (checked between row chunks).
async function withSignal<T>(
  addon: NativeAddon,
  signal: AbortSignal | undefined,
  start: (token: CancelToken | undefined) => Promise<T>,
): Promise<T> {
  if (signal?.aborted) throw abortError();
  const token = signal ? addon.createCancelToken() : undefined;
  const onAbort = () => addon.cancel(token as CancelToken);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await start(token);
  } catch (err) {
    throw NativeError.fromNative(err);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function callSync<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw NativeError.fromNative(err);
  }
}

/**
 * Quantizes whole rows of F32 values into `type`'s bytes (a GGUF tensor's data).
 * The native threads read `src` in place (no copy): do not modify it until the
 * promise settles.
 */
export async function quantize(type: GGMLType, src: Float32Array, nPerRow: number, opts: QuantizeOptions = {}): Promise<Buffer> {
  const a = checkQuantize(type, src, nPerRow, opts);
  const addon = loadAddon();
  return withSignal(addon, opts.signal, (token) => addon.quantize(a.type, a.src, a.nPerRow, a.imatrix, a.threads, token));
}

/** Blocking quantize, for small inputs and tests. */
export function quantizeSync(type: GGMLType, src: Float32Array, nPerRow: number, opts: Omit<QuantizeOptions, 'signal'> = {}): Buffer {
  const a = checkQuantize(type, src, nPerRow, opts);
  const addon = loadAddon();
  return callSync(() => addon.quantizeSync(a.type, a.src, a.nPerRow, a.imatrix, a.threads));
}

/** Decodes `nElements` values of `type` from `src` (exactly their bytes) to F32. */
export async function dequantize(type: GGMLType, src: Uint8Array, nElements: number, opts: DequantizeOptions = {}): Promise<Float32Array> {
  const a = checkDequantize(type, src, nElements, opts.threads);
  const addon = loadAddon();
  return withSignal(addon, opts.signal, (token) => addon.dequantize(a.type, a.src, a.nElements, a.threads, token));
}

/** Blocking dequantize, for small inputs and tests. */
export function dequantizeSync(type: GGMLType, src: Uint8Array, nElements: number, opts: { threads?: number } = {}): Float32Array {
  const a = checkDequantize(type, src, nElements, opts.threads);
  const addon = loadAddon();
  return callSync(() => addon.dequantizeSync(a.type, a.src, a.nElements, a.threads));
}
