export * from './error-codes';
export * from './proto-path';
export * from './registry';
export * from './quantization-jobs';
