export * from './errors';
export * from './presets';
export * from './tensor-order';
export * from './tensor-category';
export * from './tensor-type-rules';
export * from './llama-shape';
