// Random weights of a synthesized llama model, one tensor at a time and a
// chunk at a time. Values are a pure function of (seed, tensor name), in
// GGUF row order; scales keep a forward pass numerically sane:
//   norms        1 + N(0, 0.05)                 (RMS-norm gains near 1)
//   projections  N(0, 1/sqrt(fan_in))           (activations keep unit scale)
//   token_embd / output  N(0, 2.5/sqrt(n_embd)) (logits spread over a few nats)

import { GGMLType } from '@tessera/gguf';
import { Rng, hashSeed } from './prng';
import { ModelShape, headDim } from './presets';

export interface SynthTensor {
  /** GGUF name. */
  readonly name: string;
  /** ggml dims (ne[0] = row length). */
  readonly dims: readonly number[];
  readonly mean: number;
  readonly std: number;
  /** Rows per attention head for Q/K (HF files store these rows permuted). */
  readonly permuteHeadRows?: number;
}

export function synthTensors(s: ModelShape): SynthTensor[] {
  const E = s.nEmbd;
  const D = headDim(s);
  const q = s.nHead * D;
  const kv = s.nHeadKv * D;
  const proj = (fanIn: number) => 1 / Math.sqrt(fanIn);
  const embedStd = 2.5 / Math.sqrt(E);
  const out: SynthTensor[] = [{ name: 'token_embd.weight', dims: [E, s.vocabSize], mean: 0, std: embedStd }];
  for (let i = 0; i < s.nLayer; i++) {
    const p = `blk.${i}.`;
    out.push(
      { name: `${p}attn_norm.weight`, dims: [E], mean: 1, std: 0.05 },
      { name: `${p}attn_q.weight`, dims: [E, q], mean: 0, std: proj(E), permuteHeadRows: D },
      { name: `${p}attn_k.weight`, dims: [E, kv], mean: 0, std: proj(E), permuteHeadRows: D },
      { name: `${p}attn_v.weight`, dims: [E, kv], mean: 0, std: proj(E) },
      { name: `${p}attn_output.weight`, dims: [q, E], mean: 0, std: proj(q) },
      { name: `${p}ffn_norm.weight`, dims: [E], mean: 1, std: 0.05 },
      { name: `${p}ffn_gate.weight`, dims: [E, s.nFf], mean: 0, std: proj(E) },
      { name: `${p}ffn_up.weight`, dims: [E, s.nFf], mean: 0, std: proj(E) },
      { name: `${p}ffn_down.weight`, dims: [s.nFf, E], mean: 0, std: proj(s.nFf) },
    );
  }
  out.push({ name: 'output_norm.weight', dims: [E], mean: 1, std: 0.05 });
  if (!s.tied) out.push({ name: 'output.weight', dims: [E, s.vocabSize], mean: 0, std: embedStd });
  return out;
}

/** Norms (1-D) stay F32 like the reference converter; matrices take the outtype. */
export function synthTensorType(t: SynthTensor, outtype: GGMLType.F32 | GGMLType.F16 | GGMLType.BF16): GGMLType {
  return t.dims.length === 1 ? GGMLType.F32 : outtype;
}

/**
 * The tensor's float32 values in GGUF row order, in chunks of whole rows
 * (about `chunkElems` elements, or whole heads when `wholeHeads` is set).
 */
export function* synthValues(t: SynthTensor, seed: number, chunkElems = 1 << 20): Generator<Float32Array> {
  const rowLen = t.dims[0];
  const rows = t.dims.length > 1 ? t.dims[1] : 1;
  const unit = t.permuteHeadRows ?? 1;
  const rowsPerChunk = Math.max(unit, Math.floor(chunkElems / rowLen / unit) * unit);
  const rng = new Rng(hashSeed(seed, t.name));
  for (let r = 0; r < rows; r += rowsPerChunk) {
    const n = Math.min(rowsPerChunk, rows - r);
    yield rng.fillNormal(new Float32Array(n * rowLen), t.mean, t.std);
  }
}
