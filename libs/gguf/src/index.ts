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
export * from './open-gguf';
// The tensor type table lives in @tessera/native (pure data); re-exported so
// GGUF users need one import.
export { GGMLType, GGML_TYPE_COUNT, findTypeTraits, rowSize, typeTraits, typeTraitsByName } from '@tessera/native';
export type { TypeTraits } from '@tessera/native';
