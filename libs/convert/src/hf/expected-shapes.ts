// The HF (row-major) shape each llama tensor must have, from the
// hyper-parameters; checked before writing so a config/weights mismatch fails
// with a clear message instead of producing a file llama.cpp rejects.

import { LlamaHParams } from './config';

export function expectedHfShape(ggufName: string, hp: LlamaHParams): number[] | undefined {
  const q = hp.nHead * hp.headDim;
  const kv = hp.nHeadKv * hp.headDim;
  const E = hp.nEmbd;
  const m = /^(?:blk\.\d+\.)?([a-z_]+)\.(weight|bias)$/.exec(ggufName);
  if (!m) return undefined;
  const [, base, kind] = m;
  if (kind === 'bias') {
    return { attn_q: [q], attn_k: [kv], attn_v: [kv], attn_output: [E] }[base];
  }
  const table: Record<string, number[]> = {
    token_embd: [hp.vocabSize, E],
    output: [hp.vocabSize, E],
    output_norm: [E],
    attn_norm: [E],
    ffn_norm: [E],
    attn_q: [q, E],
    attn_k: [kv, E],
    attn_v: [kv, E],
    attn_output: [E, q],
    ffn_gate: [hp.nFf, E],
    ffn_up: [hp.nFf, E],
    ffn_down: [E, hp.nFf],
  };
  return table[base];
}

/** Tensors every llama model must have (output.weight is optional: tied embeddings). */
export function requiredGgufNames(hp: LlamaHParams): string[] {
  const names = ['token_embd.weight', 'output_norm.weight'];
  for (let i = 0; i < hp.nLayer; i++) {
    for (const t of ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down']) {
      names.push(`blk.${i}.${t}.weight`);
    }
  }
  return names;
}
