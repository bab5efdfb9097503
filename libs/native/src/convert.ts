// Tensor conversion between F32 and every type the native kernels support.
// Arguments are checked here, with messages that name the problem; the work
// runs on native threads and never blocks the event loop (except the *Sync
// variants, meant for small inputs and tests).
import { loadAddon, type CancelToken, type NativeAddon } from './addon';
import { checkDequantize, checkQuantize, checkQuantizeFrom, type DequantizeOptions, type QuantizeOptions } from './convert-args';
import { GGMLType } from './ggml-types';
import { NativeError } from './native-error';

export type { DequantizeOptions, QuantizeOptions } from './convert-args';

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

// With a caller's `out`, the addon returns `out` whole; callers get exactly the result's bytes.
function bytesOf(result: Buffer, out: Uint8Array | undefined, bytes: number): Buffer {
  return out ? Buffer.from(out.buffer, out.byteOffset, bytes) : result;
}

/**
 * Quantizes whole rows of F32 values into `type`'s bytes (a GGUF tensor's data).
 * The native threads read `src` in place (no copy): do not modify it until the
 * promise settles.
 */
export async function quantize(type: GGMLType, src: Float32Array, nPerRow: number, opts: QuantizeOptions = {}): Promise<Buffer> {
  const a = checkQuantize(type, src, nPerRow, opts);
  const addon = loadAddon();
  const result = await withSignal(addon, opts.signal, (token) => addon.quantize(a.type, a.src, a.nPerRow, a.imatrix, a.threads, a.out, token));
  return bytesOf(result, a.out, a.bytes);
}

/** Blocking quantize, for small inputs and tests. */
export function quantizeSync(type: GGMLType, src: Float32Array, nPerRow: number, opts: Omit<QuantizeOptions, 'signal'> = {}): Buffer {
  const a = checkQuantize(type, src, nPerRow, opts);
  const addon = loadAddon();
  return bytesOf(
    callSync(() => addon.quantizeSync(a.type, a.src, a.nPerRow, a.imatrix, a.threads, a.out)),
    a.out,
    a.bytes,
  );
}

/**
 * Quantizes whole rows held as `fromType` bytes (F16, BF16, or another
 * quantized type) into `type`: the same bytes as dequantize then quantize, but
 * rows are widened to F32 a small chunk at a time on the native threads, so no
 * F32 copy of the input is made and the call is one round trip.
 */
export async function quantizeFrom(fromType: GGMLType, type: GGMLType, src: Uint8Array, nPerRow: number, opts: QuantizeOptions = {}): Promise<Buffer> {
  const a = checkQuantizeFrom(fromType, type, src, nPerRow, opts);
  const addon = loadAddon();
  const result = await withSignal(addon, opts.signal, (token) =>
    addon.quantizeFrom(a.fromType, a.type, a.src, a.nPerRow, a.imatrix, a.threads, a.out, token),
  );
  return bytesOf(result, a.out, a.bytes);
}

/** Decodes `nElements` values of `type` from `src` (exactly their bytes) to F32. */
export async function dequantize(type: GGMLType, src: Uint8Array, nElements: number, opts: DequantizeOptions = {}): Promise<Float32Array> {
  const a = checkDequantize(type, src, nElements, opts);
  const addon = loadAddon();
  const result = await withSignal(addon, opts.signal, (token) => addon.dequantize(a.type, a.src, a.nElements, a.threads, a.out, token));
  return a.out ? a.out.subarray(0, a.nElements) : result;
}

/** Blocking dequantize, for small inputs and tests. */
export function dequantizeSync(type: GGMLType, src: Uint8Array, nElements: number, opts: Omit<DequantizeOptions, 'signal'> = {}): Float32Array {
  const a = checkDequantize(type, src, nElements, opts);
  const addon = loadAddon();
  const result = callSync(() => addon.dequantizeSync(a.type, a.src, a.nElements, a.threads, a.out));
  return a.out ? a.out.subarray(0, a.nElements) : result;
}
