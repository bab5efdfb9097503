// Loads the compiled CPU addon on first use. The path is resolved from this
// file's package (libs/native), which is one level up from both src/ (ts-jest)
// and dist/ (after tsc), so the same code works in tests and in production.
import { join } from 'node:path';
import { NativeError } from './native-error';

/** An opaque cancellation token made by the addon. */
export type CancelToken = { readonly __brand: 'CancelToken' };

export interface KernelInfo {
  name: string;
  blockSize: number;
  typeSize: number;
  quantize: boolean;
  dequantize: boolean;
}

/** The raw addon surface; only this package's wrappers call it. */
export interface NativeAddon {
  abiVersion: number;
  bindingGroups: string[];
  // `out`: where to write the result; the call then returns `out` itself (whole).
  quantize(type: number, src: Float32Array, nPerRow: number, imatrix: Float32Array | undefined, threads: number, out: Uint8Array | undefined, token: CancelToken | undefined): Promise<Buffer>;
  quantizeSync(type: number, src: Float32Array, nPerRow: number, imatrix: Float32Array | undefined, threads: number, out?: Uint8Array): Buffer;
  quantizeFrom(fromType: number, type: number, src: Uint8Array, nPerRow: number, imatrix: Float32Array | undefined, threads: number, out: Uint8Array | undefined, token: CancelToken | undefined): Promise<Buffer>;
  dequantize(type: number, src: Uint8Array, nElements: number, threads: number, out: Float32Array | undefined, token: CancelToken | undefined): Promise<Float32Array>;
  dequantizeSync(type: number, src: Uint8Array, nElements: number, threads: number, out?: Float32Array): Float32Array;
  typeKernels(type: number): KernelInfo | undefined;
  createCancelToken(): CancelToken;
  cancel(token: CancelToken): void;
  cpuFeatures(): { avx2: boolean; avx512f: boolean; avx512bw: boolean; avx512vl: boolean; f16c: boolean; fma: boolean; simd: string };
  setKernelPath(path: 'auto' | 'avx2' | 'scalar'): void;
  kernelPath(): 'auto' | 'avx2' | 'scalar';
  hardwareThreads(): number;
}

/** libs/native: the package root, whether running from src/ or dist/. */
export const PACKAGE_DIR = join(__dirname, '..');
export const ADDON_PATH = join(PACKAGE_DIR, 'build', 'Release', 'tessera_native.node');
export const CUDA_ADDON_PATH = join(PACKAGE_DIR, 'build', 'Release', 'tessera_native_cuda.node');

let cached: NativeAddon | undefined;

/** Loads an addon binary; throws NativeError('ENOADDON') with the fix when it cannot. */
export function loadAddonFrom(path: string): NativeAddon {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path) as NativeAddon;
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new NativeError(
      'ENOADDON',
      `the native addon could not be loaded from ${path} (${reason}); run \`npm run build\` at the repository root to compile it`,
      { cause: err },
    );
  }
}

/** The CPU addon, loaded on first use. */
export function loadAddon(): NativeAddon {
  cached ??= loadAddonFrom(ADDON_PATH);
  return cached;
}
