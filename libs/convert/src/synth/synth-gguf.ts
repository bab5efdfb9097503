// `tessera synth`: a random-weight llama GGUF with a real byte-level BPE
// vocabulary, written one tensor (and one chunk) at a time, so even the
// TinyLlama-sized preset never sits in memory. Deterministic per seed. The key
// set and order follow the golden micro file, plus a ChatML chat template.

import { GGMLType } from '@tessera/gguf';
import { ConvertError } from '../errors';
import { KvList } from '../gguf-kv';
import { WriteProgress, WrittenFile, writeGgufFile } from '../gguf-output';
import { encodeF32 } from '../tensor/encode-floats';
import { TensorPlan } from '../tensor/tensor-plan';
import { BpeVocab, buildBpeVocab } from './bpe-vocab';
import { CHATML_TEMPLATE } from './chat-template';
import { ModelShape, PresetName, headDim, presetShape } from './presets';
import { synthTensorType, synthTensors, synthValues } from './weights';

export interface SynthGgufOptions {
  readonly preset: PresetName;
  readonly seed?: number;
  readonly outtype?: 'f32' | 'f16';
  /** general.name; default `tessera-<preset>-s<seed>`. */
  readonly name?: string;
  /** tokenizer.ggml.pre; default per preset ('default' for micro, else 'llama-bpe'). */
  readonly pre?: 'default' | 'llama-bpe';
  readonly onProgress?: (p: WriteProgress) => void;
  readonly signal?: AbortSignal;
}

export const SYNTH_BOS = '<|begin_of_text|>';
export const SYNTH_EOS = '<|end_of_text|>';

export function synthVocab(shape: ModelShape): BpeVocab {
  return buildBpeVocab({ vocabSize: shape.vocabSize });
}

export function synthKv(shape: ModelShape, name: string, ftype: number, pre: string): KvList {
  const vocab = synthVocab(shape);
  const kv = new KvList();
  kv.string('general.architecture', 'llama');
  kv.string('general.name', name);
  kv.u32('general.file_type', ftype);
  kv.u32('general.alignment', 32);
  kv.u32('llama.context_length', shape.contextLength);
  kv.u32('llama.embedding_length', shape.nEmbd);
  kv.u32('llama.block_count', shape.nLayer);
  kv.u32('llama.feed_forward_length', shape.nFf);
  kv.u32('llama.attention.head_count', shape.nHead);
  kv.u32('llama.attention.head_count_kv', shape.nHeadKv);
  kv.f32('llama.rope.freq_base', shape.ropeTheta);
  kv.f32('llama.attention.layer_norm_rms_epsilon', shape.rmsEps);
  kv.u32('llama.rope.dimension_count', headDim(shape));
  kv.u32('llama.vocab_size', shape.vocabSize);
  kv.string('tokenizer.ggml.model', 'gpt2');
  kv.string('tokenizer.ggml.pre', pre);
  kv.strings('tokenizer.ggml.tokens', vocab.tokens);
  kv.i32s('tokenizer.ggml.token_type', vocab.tokenTypes);
  kv.strings('tokenizer.ggml.merges', vocab.merges);
  kv.u32('tokenizer.ggml.bos_token_id', vocab.specialIds[SYNTH_BOS]);
  kv.u32('tokenizer.ggml.eos_token_id', vocab.specialIds[SYNTH_EOS]);
  kv.bool('tokenizer.ggml.add_bos_token', true);
  kv.string('tokenizer.chat_template', CHATML_TEMPLATE);
  return kv;
}

export async function synthGguf(outPath: string, opts: SynthGgufOptions): Promise<WrittenFile> {
  const shape = presetShape(opts.preset);
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new ConvertError('CONVERT_BAD_OPTION', `seed must be an integer, got ${seed}`);
  const outtype = opts.outtype ?? 'f32';
  if (outtype !== 'f32' && outtype !== 'f16') throw new ConvertError('CONVERT_BAD_OPTION', `outtype must be f32 or f16, got '${String(outtype)}'`);
  const type = outtype === 'f32' ? GGMLType.F32 : GGMLType.F16;
  const kv = synthKv(shape, opts.name ?? `tessera-${opts.preset}-s${seed}`, outtype === 'f32' ? 0 : 1, opts.pre ?? shape.pre);
  const tensors: TensorPlan[] = synthTensors(shape).map((t) => {
    const tt = synthTensorType(t, type) as GGMLType.F32 | GGMLType.F16;
    return {
      name: t.name,
      type: tt,
      dims: t.dims,
      async *chunks() {
        for (const values of synthValues(t, seed)) yield encodeF32(values, tt);
      },
    };
  });
  return writeGgufFile(outPath, kv, tensors, { onProgress: opts.onProgress, signal: opts.signal });
}
