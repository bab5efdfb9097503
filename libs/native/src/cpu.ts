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

export type KernelPath = 'auto' | 'scalar';

export function cpuFeatures(): CpuFeatures {
  return loadAddon().cpuFeatures();
}

/**
 * Chooses the kernels for calls started from now on, process-wide: 'auto'
 * (the fastest this CPU supports, the default) or 'scalar' (the reference).
 */
export function setKernelPath(path: KernelPath): void {
  if (path !== 'auto' && path !== 'scalar') {
    throw new NativeError('EINVAL', `kernel path must be 'auto' or 'scalar', got ${String(path)}`);
  }
  loadAddon().setKernelPath(path);
}

export function kernelPath(): KernelPath {
  return loadAddon().kernelPath();
}
