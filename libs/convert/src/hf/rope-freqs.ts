// Llama 3 "llama3" RoPE scaling is stored as a per-frequency factor tensor
// (rope_freqs.weight, F32, head_dim/2 values), computed as the reference
// converter does: long wavelengths are divided by `factor`, short ones kept,
// and the band between interpolated smoothly.

import { RopeScaling } from './config';

export function llama3RopeFactors(headDim: number, ropeTheta: number, rs: RopeScaling): Float32Array {
  const factor = rs.factor ?? 8;
  const low = rs.lowFreqFactor ?? 1;
  const high = rs.highFreqFactor ?? 4;
  const oldCtx = rs.originalContextLength ?? 8192;
  const lowWavelen = oldCtx / low;
  const highWavelen = oldCtx / high;
  const out = new Float32Array(headDim / 2);
  for (let i = 0; i < out.length; i++) {
    const freq = Math.fround(1 / Math.fround(ropeTheta ** Math.fround((2 * i) / headDim)));
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = factor;
    else {
      const smooth = (oldCtx / wavelen - low) / (high - low);
      out[i] = 1 / ((1 - smooth) / factor + smooth);
    }
  }
  return out;
}
