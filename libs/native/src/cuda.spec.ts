// The CUDA addon is optional: cudaInfo() must answer cleanly everywhere, and
// where a GPU exists its kernel must agree with the CPU kernel.
import { existsSync } from 'node:fs';
import { CUDA_ADDON_PATH } from './addon';
import { dequantizeSync, quantizeSync } from './convert';
import { cudaInfo } from './cuda';
import { GGMLType } from './ggml-types';
import { gaussian } from './test-utils/random';

describe('cudaInfo', () => {
  it('never throws and is self-consistent', () => {
    const info = cudaInfo();
    expect(typeof info.available).toBe('boolean');
    if (info.available) {
      expect(info.devices?.length).toBeGreaterThan(0);
      for (const d of info.devices ?? []) expect(d.computeCapability).toMatch(/^\d+\.\d+$/);
    } else {
      expect(info.reason).toEqual(expect.any(String));
      expect(info.reason?.length).toBeGreaterThan(0);
    }
  });

  it('reports the runtime it was built with when the CUDA addon exists', () => {
    const info = cudaInfo();
    if (existsSync(CUDA_ADDON_PATH)) {
      expect(info.runtimeVersion).toMatch(/^\d+\.\d+$/);
    } else {
      expect(info.available).toBe(false);
      expect(info.reason).toMatch(/not available/);
    }
  });

  it('the GPU Q8_0 decoder matches the CPU one, or refuses cleanly without a device', () => {
    if (!existsSync(CUDA_ADDON_PATH)) return expect(cudaInfo().available).toBe(false);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cuda = require(CUDA_ADDON_PATH) as { dequantizeQ8_0(src: Uint8Array, n: number): Float32Array };
    const x = gaussian(32 * 1000, 5);
    const q = quantizeSync(GGMLType.Q8_0, x, 32 * 1000);
    if (!cudaInfo().available) {
      expect(() => cuda.dequantizeQ8_0(q, x.length)).toThrow(/no CUDA device/);
      return;
    }
    const gpu = cuda.dequantizeQ8_0(q, x.length);
    expect(Buffer.from(gpu.buffer).equals(Buffer.from(dequantizeSync(GGMLType.Q8_0, q, x.length).buffer))).toBe(true);
  });
});
