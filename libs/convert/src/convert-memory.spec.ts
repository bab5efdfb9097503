// The converter streams: converting a tensor far larger than the memory budget
// must not grow the process by anything close to the tensor's size.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readGGUF } from '@tessera/gguf';
import { convertHfToGguf } from './convert';
import { writeSafetensors } from './safetensors/writer';
import { synthHfModel } from './synth/synth-hf';
import { useTmpDir } from './test/tmp-dir';

const E = 1024;
const VOCAB = 32768; // token_embd: 32M floats = 128 MiB in F32
const BUDGET = 64 * 1024 * 1024;

async function* pattern(bytes: number): AsyncIterable<Uint8Array> {
  const chunk = new Uint8Array(1 << 20);
  for (let i = 0; i < chunk.length; i += 4) new DataView(chunk.buffer).setFloat32(i, (i % 997) / 997 - 0.5, true);
  for (let done = 0; done < bytes; done += chunk.length) yield chunk.subarray(0, Math.min(chunk.length, bytes - done));
}

describe('convertHfToGguf memory', () => {
  const tmp = useTmpDir();

  it(`keeps RSS growth under ${BUDGET >> 20} MiB while converting a 128 MiB tensor`, async () => {
    const tok = join(tmp(), 'tok');
    await synthHfModel(tok, { preset: 'micro', seed: 0 });
    const dir = join(tmp(), 'big');
    mkdirSync(dir);
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(tok, f), join(dir, f));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        architectures: ['LlamaForCausalLM'],
        hidden_size: E,
        intermediate_size: 256,
        num_hidden_layers: 1,
        num_attention_heads: 8,
        num_key_value_heads: 8,
        max_position_embeddings: 512,
        rms_norm_eps: 1e-5,
        vocab_size: VOCAB,
        tie_word_embeddings: true,
      }),
    );
    const t = (name: string, shape: number[]) => ({ name, dtype: 'F32', shape, chunks: () => pattern(shape.reduce((a, b) => a * b, 4)) });
    await writeSafetensors(join(dir, 'model.safetensors'), [
      t('model.embed_tokens.weight', [VOCAB, E]),
      t('model.layers.0.input_layernorm.weight', [E]),
      t('model.layers.0.self_attn.q_proj.weight', [E, E]),
      t('model.layers.0.self_attn.k_proj.weight', [E, E]),
      t('model.layers.0.self_attn.v_proj.weight', [E, E]),
      t('model.layers.0.self_attn.o_proj.weight', [E, E]),
      t('model.layers.0.post_attention_layernorm.weight', [E]),
      t('model.layers.0.mlp.gate_proj.weight', [256, E]),
      t('model.layers.0.mlp.up_proj.weight', [256, E]),
      t('model.layers.0.mlp.down_proj.weight', [E, 256]),
      t('model.norm.weight', [E]),
    ]);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
    const timer = setInterval(sample, 5);
    const out = join(tmp(), 'big.gguf');
    try {
      await convertHfToGguf(dir, out, { outtype: 'f16', onProgress: sample });
    } finally {
      clearInterval(timer);
    }
    const f = await readGGUF(out);
    expect(f.tensorsByName.get('token_embd.weight')!.nBytes).toBe(VOCAB * E * 2);
    expect((f.kv.get('tokenizer.ggml.tokens')!.value as string[])[VOCAB - 1]).toBe(`[PAD${VOCAB - 1}]`);
    expect(peak - before).toBeLessThan(BUDGET);
  });
});
