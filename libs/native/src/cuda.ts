// The CUDA addon is a separate binary (static cudart) that exists only where
// nvcc was available at build time. It is loaded on first use inside
// try/catch, so a CPU-only machine never fails because of it.
import { CUDA_ADDON_PATH } from './addon';

export interface CudaDevice {
  index: number;
  name: string;
  computeCapability: string;
  totalMemoryBytes: number;
  multiProcessors: number;
}

export interface CudaInfo {
  available: boolean;
  /** Why CUDA cannot be used, when it cannot. */
  reason?: string;
  /** CUDA runtime version the addon was built with, e.g. "13.0". */
  runtimeVersion?: string;
  driverVersion?: string;
  devices?: CudaDevice[];
}

interface CudaAddon {
  deviceInfo(): CudaInfo;
}

let loaded: { addon?: CudaAddon; reason?: string } | undefined;

function loadCudaAddon(): { addon?: CudaAddon; reason?: string } {
  if (!loaded) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = { addon: require(CUDA_ADDON_PATH) as CudaAddon };
    } catch (err) {
      const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
      loaded = { reason: `the CUDA addon is not available (${why}); it is built only where nvcc exists` };
    }
  }
  return loaded;
}

/** What CUDA can do here; never throws. */
export function cudaInfo(): CudaInfo {
  const { addon, reason } = loadCudaAddon();
  if (!addon) return { available: false, reason };
  try {
    return addon.deviceInfo();
  } catch (err) {
    return { available: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
