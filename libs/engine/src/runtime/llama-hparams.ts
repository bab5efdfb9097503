// The hyper-parameters the native forward pass needs, from @tessera/gguf's
// llama.cpp-compatible reader plus the checks only a runtime cares about.

import { GGUFFile, readLlamaHParams } from '@tessera/gguf';
import { RuntimeError } from './errors';
import { NativeHParams } from './native-addon';

/** Reads and checks the hyper-parameters of a llama GGUF file. */
export function llamaHParams(file: GGUFFile): NativeHParams {
  let hp;
  try {
    hp = readLlamaHParams(file);
  } catch (err) {
    throw new RuntimeError('EUNSUPPORTEDMODEL', (err as Error).message);
  }
  if (hp.ropeScalingType === 'yarn' || hp.ropeScalingType === 'longrope') {
    throw new RuntimeError('EUNSUPPORTEDMODEL', `rope scaling '${hp.ropeScalingType}' is not supported (none and linear are; llama3 scaling comes from rope_freqs.weight)`);
  }
  if (hp.expertCount > 0) throw new RuntimeError('EUNSUPPORTEDMODEL', 'mixture-of-experts llama models are not supported');
  if (hp.valueLength !== hp.keyLength) throw new RuntimeError('EUNSUPPORTEDMODEL', 'key and value head sizes differ; not a dense llama model');
  const embd = file.tensorsByName.get('token_embd.weight');
  if (!embd || embd.dims[1] !== hp.vocabSize) {
    throw new RuntimeError('EBADTENSOR', `token_embd.weight must have ${hp.vocabSize} rows (the vocabulary size)`);
  }
  return {
    nLayer: hp.blockCount,
    nEmbd: hp.embeddingLength,
    nHead: hp.headCount,
    nHeadKv: hp.headCountKv,
    headDim: hp.keyLength,
    nFf: hp.feedForwardLength,
    nVocab: hp.vocabSize,
    nRot: hp.ropeDimensionCount,
    nCtxTrain: hp.contextLength,
    rmsEps: hp.rmsEps,
    ropeFreqBase: hp.ropeFreqBase,
    // The reference applies a linear factor whenever one is set (none/linear).
    ropeFreqScale: hp.ropeScalingFactor === 0 ? 1 : 1 / hp.ropeScalingFactor,
  };
}
