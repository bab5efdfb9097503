export * from './errors';
export * from './values';
export * from './metadata';
export * from './layout';
export type { GGUFFile, GGUFTensorInfo, ParseOptions } from './parse-header';
export * from './reader';
export * from './tensor-data';
export type { TensorSpec, PlacedTensor } from './encode-header';
export { checkTensorSpec, encodeHeader, placeTensors } from './encode-header';
export * from './writer';
export * from './build-gguf';
export * from './llama-hparams';
// The tensor type table lives in native (the lowest layer); gguf is how the rest of the repo reaches it.
export { GGMLType, GGML_TYPE_COUNT, findTypeTraits, rowSize, typeTraits, typeTraitsByName, type TypeTraits } from '@tessera/native';
export * from './open-gguf';
