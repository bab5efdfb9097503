// Hyper-parameters -> the `<arch>.*` keys llama.cpp reads (§2.1 of the GGUF
// notes), in the reference converter's order.

import { KvList } from '../gguf-kv';
import { LlamaHParams } from './config';

export function addHParamKeys(kv: KvList, hp: LlamaHParams): void {
  const a = hp.arch;
  kv.u32(`${a}.block_count`, hp.nLayer);
  kv.u32(`${a}.context_length`, hp.contextLength);
  kv.u32(`${a}.embedding_length`, hp.nEmbd);
  kv.u32(`${a}.feed_forward_length`, hp.nFf);
  kv.u32(`${a}.attention.head_count`, hp.nHead);
  kv.u32(`${a}.attention.head_count_kv`, hp.nHeadKv);
  addRopeScalingKeys(kv, hp);
  if (hp.ropeTheta !== undefined) kv.f32(`${a}.rope.freq_base`, hp.ropeTheta);
  kv.f32(`${a}.attention.layer_norm_rms_epsilon`, hp.rmsEps);
  if (hp.explicitHeadDim) {
    kv.u32(`${a}.attention.key_length`, hp.headDim);
    kv.u32(`${a}.attention.value_length`, hp.headDim);
  }
  if (a === 'llama') {
    kv.u32(`${a}.vocab_size`, hp.vocabSize);
    kv.u32(`${a}.rope.dimension_count`, hp.headDim);
  }
}

function addRopeScalingKeys(kv: KvList, hp: LlamaHParams): void {
  const rs = hp.ropeScaling;
  const a = hp.arch;
  if (!rs) return;
  switch (rs.type) {
    case 'linear':
      kv.string(`${a}.rope.scaling.type`, 'linear');
      kv.f32(`${a}.rope.scaling.factor`, rs.factor!);
      return;
    case 'yarn':
      kv.string(`${a}.rope.scaling.type`, 'yarn');
      kv.f32(`${a}.rope.scaling.factor`, rs.factor!);
      kv.u32(`${a}.rope.scaling.original_context_length`, rs.originalContextLength!);
      if (rs.yarnExtFactor !== undefined) kv.f32(`${a}.rope.scaling.yarn_ext_factor`, rs.yarnExtFactor);
      if (rs.yarnAttnFactor !== undefined) kv.f32(`${a}.rope.scaling.yarn_attn_factor`, rs.yarnAttnFactor);
      if (rs.yarnBetaFast !== undefined) kv.f32(`${a}.rope.scaling.yarn_beta_fast`, rs.yarnBetaFast);
      if (rs.yarnBetaSlow !== undefined) kv.f32(`${a}.rope.scaling.yarn_beta_slow`, rs.yarnBetaSlow);
      return;
    case 'longrope':
      kv.string(`${a}.rope.scaling.type`, 'longrope');
      return;
    case 'llama3':
      // Expressed as the rope_freqs.weight tensor instead of keys (see rope-freqs.ts).
      return;
  }
}
