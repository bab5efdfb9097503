// Model shapes for synthesized llama models.
//   micro      the golden micro model's shape (tests, byte-compat checks)
//   tiny       4 layers x 384, 6 heads / 2 KV heads, FFN 1024, vocab 4096, ctx 1024, tied  (~9 M params)
//   small      8 layers x 768, 12 heads / 4 KV heads, FFN 2048, vocab 8192, ctx 2048      (~63 M params)
//   smollm     SmolLM-135M: 30 x 576, 9 / 3 heads, FFN 1536, vocab 49152, ctx 2048, tied
//   tinyllama  TinyLlama-1.1B: 22 x 2048, 32 / 4 heads, FFN 5632, vocab 32000, ctx 2048

import { ConvertError } from '../errors';

export interface ModelShape {
  readonly nLayer: number;
  readonly nEmbd: number;
  readonly nHead: number;
  readonly nHeadKv: number;
  readonly nFf: number;
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly ropeTheta: number;
  readonly rmsEps: number;
  readonly tied: boolean;
  /** tokenizer.ggml.pre written by synthGguf. */
  readonly pre: 'default' | 'llama-bpe';
}

export type PresetName = 'micro' | 'tiny' | 'small' | 'smollm' | 'tinyllama';

const BASE = { ropeTheta: 10000, rmsEps: 1e-5 };

export const PRESETS: Readonly<Record<PresetName, ModelShape>> = {
  micro: { ...BASE, nLayer: 2, nEmbd: 256, nHead: 4, nHeadKv: 2, nFf: 512, vocabSize: 512, contextLength: 256, tied: false, pre: 'default' },
  tiny: { ...BASE, nLayer: 4, nEmbd: 384, nHead: 6, nHeadKv: 2, nFf: 1024, vocabSize: 4096, contextLength: 1024, tied: true, pre: 'llama-bpe' },
  small: { ...BASE, nLayer: 8, nEmbd: 768, nHead: 12, nHeadKv: 4, nFf: 2048, vocabSize: 8192, contextLength: 2048, tied: false, pre: 'llama-bpe' },
  smollm: { ...BASE, nLayer: 30, nEmbd: 576, nHead: 9, nHeadKv: 3, nFf: 1536, vocabSize: 49152, contextLength: 2048, tied: true, pre: 'llama-bpe' },
  tinyllama: { ...BASE, nLayer: 22, nEmbd: 2048, nHead: 32, nHeadKv: 4, nFf: 5632, vocabSize: 32000, contextLength: 2048, tied: false, pre: 'llama-bpe' },
};

export function presetShape(preset: string): ModelShape {
  const shape = PRESETS[preset as PresetName];
  if (!shape) throw new ConvertError('CONVERT_BAD_OPTION', `unknown preset '${preset}'; choose one of ${Object.keys(PRESETS).join(', ')}`);
  return shape;
}

export function headDim(s: ModelShape): number {
  return s.nEmbd / s.nHead;
}
