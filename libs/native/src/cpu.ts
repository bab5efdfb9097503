// CPU capabilities and the kernel-path switch tests use to compare SIMD
// kernels with their scalar references.
import { loadAddon } from './addon';
import { NativeError } from './native-error';

export interface CpuFeatures {
  avx2: boolean;
  avx512f: boolean;
  f16c: boolean;
  fma: boolean;
  avx512bw: boolean;
  avx512vl: boolean;
  /** The widest SIMD level the kernels use on this CPU: 'avx512', 'avx2' or 'scalar'. */
  simd: string;
}

export type KernelPath = 'auto' | 'avx2' | 'scalar';

export function cpuFeatures(): CpuFeatures {
  return loadAddon().cpuFeatures();
}

/**
 * Chooses the conversion kernels for calls started from now on, process-wide:
 * 'auto' (the fastest this CPU supports, the default), 'scalar' (the
 * references) or 'avx2' ('auto' without the AVX-512 kernels, so that tests
 * reach the AVX2 ones on an AVX-512 CPU too; EUNSUPPORTED without AVX2).
 */
export function setKernelPath(path: KernelPath): void {
  if (path !== 'auto' && path !== 'scalar' && path !== 'avx2') {
    throw new NativeError('EINVAL', `kernel path must be 'auto', 'avx2' or 'scalar', got ${String(path)}`);
  }
  try {
    loadAddon().setKernelPath(path);
  } catch (err) {
    throw NativeError.fromNative(err);
  }
}

export function kernelPath(): KernelPath {
  return loadAddon().kernelPath();
}
