export * from './ggml-types';
