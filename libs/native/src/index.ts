export * from './ggml-types';
export { NativeError, type NativeErrorCode } from './native-error';
export { quantize, quantizeSync, quantizeFrom, dequantize, dequantizeSync, type QuantizeOptions, type DequantizeOptions } from './convert';
export { cpuFeatures, setKernelPath, kernelPath, type CpuFeatures, type KernelPath } from './cpu';
export { cudaInfo, type CudaInfo, type CudaDevice } from './cuda';
export { defaultThreads } from './threads';
export { loadAddon, ADDON_PATH, type NativeAddon } from './addon';
export { matmul, timeMatmul, quantizeActivations, activationRowBytes, bestMatmulPath, packedWeightsBytes, MATMUL_TYPES, type MatmulArgs, type MatmulPath } from './matmul';
export type { NativeSampleRequest, NativeSampleResult } from './sampling-types';
