// The tensor list of a dense llama-family model of a given shape, without any
// weights: enough to plan a quantization (types and sizes) for a model that is
// not on disk, and to exercise the mix rules on real model shapes.

import { GGMLType } from '@tessera/native';
import type { QuantModelInfo, TensorDescriptor } from './tensor-type-rules';

export interface DenseLlamaShape {
  readonly layers: number;
  readonly embd: number;
  readonly ffn: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly vocab: number;
  /** True when the model reuses token_embd as the output projection (no output.weight). */
  readonly tiedEmbeddings?: boolean;
  /** Type of the 2-D weights; norms are always F32. */
  readonly weightType?: GGMLType;
}

/** Tensors in the order a converter writes them (token_embd, blocks, output_norm, output). */
export function denseLlamaTensors(shape: DenseLlamaShape): TensorDescriptor[] {
  const w = shape.weightType ?? GGMLType.F32;
  const kvWidth = (shape.embd / shape.heads) * shape.kvHeads;
  const out: TensorDescriptor[] = [{ name: 'token_embd.weight', dims: [shape.embd, shape.vocab], type: w }];
  for (let i = 0; i < shape.layers; i++) {
    const p = `blk.${i}.`;
    out.push(
      { name: `${p}attn_norm.weight`, dims: [shape.embd], type: GGMLType.F32 },
      { name: `${p}attn_q.weight`, dims: [shape.embd, shape.embd], type: w },
      { name: `${p}attn_k.weight`, dims: [shape.embd, kvWidth], type: w },
      { name: `${p}attn_v.weight`, dims: [shape.embd, kvWidth], type: w },
      { name: `${p}attn_output.weight`, dims: [shape.embd, shape.embd], type: w },
      { name: `${p}ffn_norm.weight`, dims: [shape.embd], type: GGMLType.F32 },
      { name: `${p}ffn_gate.weight`, dims: [shape.embd, shape.ffn], type: w },
      { name: `${p}ffn_up.weight`, dims: [shape.embd, shape.ffn], type: w },
      { name: `${p}ffn_down.weight`, dims: [shape.ffn, shape.embd], type: w },
    );
  }
  out.push({ name: 'output_norm.weight', dims: [shape.embd], type: GGMLType.F32 });
  if (!shape.tiedEmbeddings) out.push({ name: 'output.weight', dims: [shape.embd, shape.vocab], type: w });
  return out;
}

/** The hyper-parameters the mix rules need, for a dense llama of this shape. */
export function denseLlamaModelInfo(shape: DenseLlamaShape): QuantModelInfo {
  return { arch: 'llama', blockCount: shape.layers, headCount: shape.heads, headCountKv: shape.kvHeads, expertCount: 0 };
}
