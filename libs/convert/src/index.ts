// @tessera/convert: Hugging Face safetensors checkpoints -> GGUF, and
// synthesized random-weight models (GGUF or HF directories) with real
// BPE / SentencePiece vocabularies for tests, benchmarks and `tessera synth`.
export { ConvertError, type ConvertErrorCode } from './errors';
export { convertHfToGguf, OUTTYPES, type ConvertOptions, type ConvertResult, type OutType } from './convert';
export type { WriteProgress, WrittenFile } from './gguf-output';
export { SafetensorsFile } from './safetensors/safetensors-file';
export { HfWeights, INDEX_FILE, SINGLE_FILE, type LocatedTensor } from './safetensors/hf-weights';
export { parseHeaderJson, parseHeaderLength, type SafetensorsEntry, type SafetensorsHeader } from './safetensors/header';
export { readLlamaConfig, parseLlamaConfig, SUPPORTED_ARCHITECTURES, type LlamaHParams } from './hf/config';
export { permutedSourceRow, permuteHeadRows, unpermuteHeadRows } from './hf/permute';
export { f32ToF16Bits, f16BitsToF32, f32ToBf16Bits, bf16BitsToF32 } from './tensor/float-convert';
export { buildBpeVocab, DEFAULT_SPECIAL_TOKENS, type BpeVocab, type BpeVocabOptions } from './synth/bpe-vocab';
export { BYTE_TO_UNICODE, UNICODE_TO_BYTE, toByteLevel } from './synth/bytes-to-unicode';
export { PRESETS, presetShape, type ModelShape, type PresetName } from './synth/presets';
export { synthGguf, SYNTH_BOS, SYNTH_EOS, type SynthGgufOptions } from './synth/synth-gguf';
export { CHATML_TEMPLATE } from './synth/chat-template';
export { synthHfModel, type SynthHfOptions, type SynthHfResult } from './synth/synth-hf';
export { buildSpmVocab, type SpmVocab } from './synth/spm-vocab';
export { writeSafetensors, type SafetensorsTensorSource } from './safetensors/writer';
