import { join } from 'node:path';
import { readLlamaHParams } from './llama-hparams';
import { GGUFMetadata } from './metadata';
import { readGGUF } from './reader';
import { GGUFValueType, ggufValue as v } from './values';

const GOLDEN = join(__dirname, '../../../../shared/golden/micro');

function minimal(): GGUFMetadata {
  return new GGUFMetadata()
    .set('general.architecture', v.string('llama'))
    .set('llama.context_length', v.u32(2048))
    .set('llama.embedding_length', v.u32(64))
    .set('llama.block_count', v.u32(3))
    .set('llama.feed_forward_length', v.u32(128))
    .set('llama.attention.head_count', v.u32(8))
    .set('llama.attention.layer_norm_rms_epsilon', v.f32(1e-6))
    .set('llama.vocab_size', v.u32(100));
}

describe('readLlamaHParams', () => {
  it('reads the golden micro model (2 layers, 256 wide, 4 heads, 2 KV heads)', async () => {
    const f = await readGGUF(join(GOLDEN, 'micro-Q4_K_M.gguf'));
    expect(readLlamaHParams(f)).toEqual({
      architecture: 'llama',
      name: 'steer-micro-s7',
      contextLength: 256,
      embeddingLength: 256,
      blockCount: 2,
      feedForwardLength: 512,
      headCount: 4,
      headCountKv: 2,
      keyLength: 64,
      valueLength: 64,
      ropeDimensionCount: 64,
      ropeFreqBase: 10000,
      rmsEps: Math.fround(1e-5),
      ropeScalingType: 'linear',
      ropeScalingFactor: 0,
      ropeScalingOriginalContextLength: undefined,
      vocabSize: 512,
      expertCount: 0,
      expertUsedCount: 0,
      fileType: 15,
      quantizationVersion: 2,
    });
  });

  it('applies llama.cpp defaults for optional keys', () => {
    const h = readLlamaHParams(minimal());
    expect([h.headCountKv, h.keyLength, h.valueLength, h.ropeDimensionCount, h.ropeFreqBase, h.vocabSize]).toEqual([8, 8, 8, 8, 10000, 100]);
    expect([h.fileType, h.name]).toEqual([undefined, undefined]);
  });

  it.each(['llama.context_length', 'llama.embedding_length', 'llama.block_count', 'llama.attention.head_count', 'llama.attention.layer_norm_rms_epsilon', 'general.architecture'])(
    'names a missing required key: %s',
    (key) => {
      const kv = minimal();
      kv.delete(key);
      expect(() => readLlamaHParams(kv)).toThrow(expect.objectContaining({ code: 'EMISSINGKEY', message: expect.stringContaining(key) }));
    },
  );

  it('requires exact types, as llama.cpp does', () => {
    expect(() => readLlamaHParams(minimal().set('llama.block_count', v.u64(3n)))).toThrow(expect.objectContaining({ code: 'EWRONGTYPE' }));
    expect(() => readLlamaHParams(minimal().set('llama.attention.layer_norm_rms_epsilon', v.f64(1e-6)))).toThrow(expect.objectContaining({ code: 'EWRONGTYPE' }));
  });

  it('accepts uniform per-layer arrays and rejects non-uniform or wrong-length ones', () => {
    const ok = minimal().set('llama.feed_forward_length', v.array(GGUFValueType.INT32, [128, 128, 128]));
    expect(readLlamaHParams(ok).feedForwardLength).toBe(128);
    const mixed = minimal().set('llama.attention.head_count', v.array(GGUFValueType.UINT32, [8, 4, 8]));
    expect(() => readLlamaHParams(mixed)).toThrow(expect.objectContaining({ code: 'EBADHPARAMS' }));
    const short = minimal().set('llama.feed_forward_length', v.array(GGUFValueType.UINT32, [128]));
    expect(() => readLlamaHParams(short)).toThrow(expect.objectContaining({ code: 'EBADHPARAMS' }));
  });

  it.each([
    ['another architecture', (kv: GGUFMetadata) => kv.set('general.architecture', v.string('qwen2'))],
    ['zero layers', (kv: GGUFMetadata) => kv.set('llama.block_count', v.u32(0))],
    ['heads not a multiple of KV heads', (kv: GGUFMetadata) => kv.set('llama.attention.head_count_kv', v.u32(3))],
    ['width not divisible by heads', (kv: GGUFMetadata) => kv.set('llama.attention.head_count', v.u32(6))],
    ['rope dims other than the head dim', (kv: GGUFMetadata) => kv.set('llama.rope.dimension_count', v.u32(4))],
    ['unknown rope scaling', (kv: GGUFMetadata) => kv.set('llama.rope.scaling.type', v.string('ntk'))],
  ])('rejects %s with EBADHPARAMS', (_what, edit) => {
    expect(() => readLlamaHParams(edit(minimal()))).toThrow(expect.objectContaining({ code: 'EBADHPARAMS' }));
  });

  it('takes the vocabulary size from the token list first', () => {
    const kv = minimal().set('tokenizer.ggml.tokens', v.array(GGUFValueType.STRING, ['a', 'b', 'c']));
    expect(readLlamaHParams(kv).vocabSize).toBe(3);
    kv.delete('tokenizer.ggml.tokens');
    kv.delete('llama.vocab_size');
    expect(() => readLlamaHParams(kv)).toThrow(expect.objectContaining({ code: 'EMISSINGKEY' }));
  });
});
