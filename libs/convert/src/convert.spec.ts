import { cpSync, existsSync, readdirSync, rmSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GGMLType, GGUFValueType, readGGUF } from '@tessera/gguf';
import { Tokenizer } from '@tessera/tokenizer';
import { convertHfToGguf } from './convert';
import { CHATML_TEMPLATE } from './synth/chat-template';
import { synthGguf } from './synth/synth-gguf';
import { synthHfModel } from './synth/synth-hf';
import { editJson, f32s, ggufTensorBytes, rawSafetensor, u16s } from './test/hf-fixtures';
import { useTmpDir } from './test/tmp-dir';

describe('convertHfToGguf', () => {
  const tmp = useTmpDir();
  let bpeDir = '';

  beforeAll(async () => {
    bpeDir = join(tmp(), 'micro-bpe');
    await synthHfModel(bpeDir, { preset: 'micro', seed: 11, dtype: 'f32', tokenizer: 'bpe' });
  });

  it('writes every llama and tokenizer key with the exact values and types llama.cpp expects', async () => {
    const out = join(tmp(), 'bpe-f32.gguf');
    const res = await convertHfToGguf(bpeDir, out, { outtype: 'f32', name: 'micro-test' });
    expect(res).toMatchObject({ arch: 'llama', outtype: 'f32', tensors: 21 });
    const f = await readGGUF(out);
    const simple = Object.fromEntries(
      f.kv.list().filter((e) => e.value.type !== GGUFValueType.ARRAY).map((e) => [e.key, [e.value.type, e.value.value]]),
    );
    const { UINT32: U, FLOAT32: F, STRING: S, BOOL: B } = GGUFValueType;
    expect(simple).toEqual({
      'general.architecture': [S, 'llama'],
      'general.type': [S, 'model'],
      'general.name': [S, 'micro-test'],
      'llama.block_count': [U, 2],
      'llama.context_length': [U, 256],
      'llama.embedding_length': [U, 256],
      'llama.feed_forward_length': [U, 512],
      'llama.attention.head_count': [U, 4],
      'llama.attention.head_count_kv': [U, 2],
      'llama.rope.freq_base': [F, 10000],
      'llama.attention.layer_norm_rms_epsilon': [F, Math.fround(1e-5)],
      'llama.vocab_size': [U, 512],
      'llama.rope.dimension_count': [U, 64],
      'general.file_type': [U, 0],
      'general.quantization_version': [U, 2],
      'tokenizer.ggml.model': [S, 'gpt2'],
      'tokenizer.ggml.pre': [S, 'default'],
      'tokenizer.ggml.bos_token_id': [U, 508],
      'tokenizer.ggml.eos_token_id': [U, 509],
      'tokenizer.ggml.add_bos_token': [B, true],
      'tokenizer.ggml.add_eos_token': [B, false],
      'tokenizer.chat_template': [S, CHATML_TEMPLATE],
    });
    expect(f.kv.get('tokenizer.ggml.tokens')).toMatchObject({ elemType: GGUFValueType.STRING });
    expect(f.kv.get('tokenizer.ggml.token_type')).toMatchObject({ elemType: GGUFValueType.INT32 });
    expect(f.kv.get('tokenizer.ggml.merges')).toMatchObject({ elemType: GGUFValueType.STRING });
  });

  it('reproduces synthGguf exactly (tensors, data, vocabulary) from the HF form of the same model', async () => {
    const out = join(tmp(), 'roundtrip.gguf');
    const ref = join(tmp(), 'ref.gguf');
    await convertHfToGguf(bpeDir, out, { outtype: 'f32' });
    await synthGguf(ref, { preset: 'micro', seed: 11 });
    const a = await readGGUF(out);
    const b = await readGGUF(ref);
    expect(a.tensors.map((t) => [t.name, t.type, t.dims])).toEqual(b.tensors.map((t) => [t.name, t.type, t.dims]));
    for (const t of b.tensors) expect(ggufTensorBytes(out, a, t.name).equals(ggufTensorBytes(ref, b, t.name))).toBe(true);
    for (const k of ['tokenizer.ggml.tokens', 'tokenizer.ggml.token_type', 'tokenizer.ggml.merges', 'tokenizer.ggml.bos_token_id', 'tokenizer.ggml.eos_token_id']) {
      expect([k, a.kv.get(k)]).toEqual([k, b.kv.get(k)]);
    }
  });

  it('applies the Q/K RoPE permutation (checked against an independent reshape/swapaxes) and leaves V alone', async () => {
    const out = join(tmp(), 'perm.gguf');
    await convertHfToGguf(bpeDir, out, { outtype: 'f32' });
    const f = await readGGUF(out);
    const st = join(bpeDir, 'model.safetensors');
    const cases: [string, string, number][] = [
      ['model.layers.1.self_attn.q_proj.weight', 'blk.1.attn_q.weight', 4],
      ['model.layers.1.self_attn.k_proj.weight', 'blk.1.attn_k.weight', 2],
    ];
    for (const [hf, gg, heads] of cases) {
      const src = rawSafetensor(st, hf);
      const [rows, cols] = src.shape;
      const D = rows / heads;
      const hfv = f32s(src.bytes);
      const ggv = f32s(ggufTensorBytes(out, f, gg));
      // numpy: w.reshape(heads, 2, D/2, cols).swapaxes(1, 2).reshape(rows, cols)
      const expected = new Float32Array(rows * cols);
      for (let h = 0; h < heads; h++)
        for (let half = 0; half < 2; half++)
          for (let i = 0; i < D / 2; i++)
            for (let c = 0; c < cols; c++) expected[((h * (D / 2) + i) * 2 + half) * cols + c] = hfv[((h * 2 + half) * (D / 2) + i) * cols + c];
      expect(Buffer.from(ggv.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      expect(Buffer.from(ggv.buffer).equals(Buffer.from(hfv.buffer))).toBe(false);
    }
    const v = rawSafetensor(st, 'model.layers.0.self_attn.v_proj.weight');
    expect(ggufTensorBytes(out, f, 'blk.0.attn_v.weight').equals(v.bytes)).toBe(true);
  });

  it('rounds F32 weights to F16 to nearest-even and keeps norms F32', async () => {
    const out = join(tmp(), 'f16.gguf');
    await convertHfToGguf(bpeDir, out, { outtype: 'f16' });
    const f = await readGGUF(out);
    expect(f.kv.getU32('general.file_type')).toBe(1);
    for (const t of f.tensors) expect([t.name, t.type]).toEqual([t.name, t.dims.length === 1 ? GGMLType.F32 : GGMLType.F16]);
    const src = f32s(rawSafetensor(join(bpeDir, 'model.safetensors'), 'model.layers.0.mlp.up_proj.weight').bytes);
    const half = u16s(ggufTensorBytes(out, f, 'blk.0.ffn_up.weight'));
    for (let i = 0; i < src.length; i++) {
      const x = src[i];
      const h = half[i];
      // The stored half must be the nearest representable one (ties to even mantissa).
      const here = Math.abs(halfToNumber(h) - x);
      for (const nb of [h - 1, h + 1]) {
        const there = Math.abs(halfToNumber(nb) - x);
        if (there < here || (there === here && (nb & 1) === 0)) throw new Error(`value ${x}: stored 0x${h.toString(16)}, 0x${nb.toString(16)} is nearer`);
      }
    }
  });

  it('converts a sharded BF16 SentencePiece model with tied embeddings', async () => {
    const dir = join(tmp(), 'micro-spm');
    await synthHfModel(dir, { preset: 'micro', seed: 2, dtype: 'bf16', tokenizer: 'spm', shards: 3, tieEmbeddings: true });
    expect(readdirSync(dir).filter((n) => n.endsWith('.safetensors'))).toHaveLength(3);
    const out = join(tmp(), 'micro-spm-bf16.gguf');
    await convertHfToGguf(dir, out, { outtype: 'bf16' });
    const f = await readGGUF(out);
    expect(f.tensorsByName.has('output.weight')).toBe(false);
    expect(f.kv.getU32('general.file_type')).toBe(32);
    expect(f.kv.getString('tokenizer.ggml.model')).toBe('llama');
    const tokens = f.kv.get('tokenizer.ggml.tokens')!.value as string[];
    const types = f.kv.get('tokenizer.ggml.token_type')!.value as number[];
    const scores = f.kv.get('tokenizer.ggml.scores')!.value as number[];
    expect(tokens).toHaveLength(512);
    expect(tokens.slice(0, 4)).toEqual(['<unk>', '<s>', '</s>', '<0x00>']);
    expect(types.slice(0, 4)).toEqual([2, 3, 3, 6]);
    expect(types[258]).toBe(6);
    expect(tokens[258]).toBe('<0xFF>');
    expect(tokens.slice(-2)).toEqual(['<|im_start|>', '<|im_end|>']);
    expect(types.slice(-2)).toEqual([3, 3]);
    expect(types[300]).toBe(1);
    expect(scores[300]).toBe(-300);
    expect(f.kv.getU32('tokenizer.ggml.bos_token_id')).toBe(1);
    expect(f.kv.getU32('tokenizer.ggml.eos_token_id')).toBe(2);
    expect(f.kv.getU32('tokenizer.ggml.unknown_token_id')).toBe(0);
    expect(f.kv.has('tokenizer.ggml.merges')).toBe(false);
    // llama.cpp-style SentencePiece tokenization of the result: pieces merge (scores rank them) and decode back.
    const tok = Tokenizer.fromGGUF(f);
    const text = 'The people of the world said nothing.';
    const ids = tok.encode(text);
    expect(ids[0]).toBe(1);
    expect(ids.length).toBeLessThan(text.length / 2);
    expect(tok.decode(ids.slice(1))).toBe(text);
    // BF16 in, BF16 out: the bytes pass through (down_proj is in a later shard).
    const shard = readdirSync(dir).find((n) => n.startsWith('model-00003'))!;
    const src = rawSafetensor(join(dir, shard), 'model.layers.1.mlp.down_proj.weight');
    expect(ggufTensorBytes(out, f, 'blk.1.ffn_down.weight').equals(src.bytes)).toBe(true);
  });

  it('reports progress for every tensor', async () => {
    const seen: number[] = [];
    await convertHfToGguf(bpeDir, join(tmp(), 'progress.gguf'), { outtype: 'f16', onProgress: (p) => seen.push(p.tensorsDone) });
    expect(seen).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  });

  it('converts Qwen2 without permuting Q/K and with qwen2.* keys', async () => {
    const dir = join(tmp(), 'qwen2');
    cpSync(bpeDir, dir, { recursive: true });
    editJson(dir, 'config.json', (j) => (j.architectures = ['Qwen2ForCausalLM']));
    const out = join(tmp(), 'qwen2.gguf');
    await convertHfToGguf(dir, out, { outtype: 'f32' });
    const f = await readGGUF(out);
    expect(f.kv.getString('general.architecture')).toBe('qwen2');
    expect(f.kv.getU32('qwen2.attention.head_count_kv')).toBe(2);
    expect(f.kv.has('llama.block_count')).toBe(false);
    const q = rawSafetensor(join(dir, 'model.safetensors'), 'model.layers.0.self_attn.q_proj.weight');
    expect(ggufTensorBytes(out, f, 'blk.0.attn_q.weight').equals(q.bytes)).toBe(true);
  });

  it('stops when aborted and leaves no file behind', async () => {
    const dir = join(tmp(), 'abort-out');
    require('node:fs').mkdirSync(dir);
    const ac = new AbortController();
    const p = convertHfToGguf(bpeDir, join(dir, 'x.gguf'), { signal: ac.signal, onProgress: (pr) => pr.tensorsDone === 5 && ac.abort() });
    await expect(p).rejects.toMatchObject({ code: 'CONVERT_ABORTED' });
    expect(readdirSync(dir)).toEqual([]);
  });

  describe('errors', () => {
    function copyModel(name: string): string {
      const dir = join(tmp(), name);
      cpSync(bpeDir, dir, { recursive: true });
      return dir;
    }
    async function expectFailure(dir: string, code: string): Promise<void> {
      const outDir = join(tmp(), `out-${code}-${Math.random().toString(36).slice(2)}`);
      require('node:fs').mkdirSync(outDir);
      await expect(convertHfToGguf(dir, join(outDir, 'x.gguf'))).rejects.toMatchObject({ name: 'ConvertError', code });
      expect(readdirSync(outDir)).toEqual([]);
    }

    it('missing config.json', async () => {
      const dir = copyModel('no-config');
      rmSync(join(dir, 'config.json'));
      await expectFailure(dir, 'CONVERT_MISSING_FILE');
    });

    it('unsupported architecture', async () => {
      const dir = copyModel('gpt2-arch');
      editJson(dir, 'config.json', (j) => (j.architectures = ['GPT2LMHeadModel']));
      await expectFailure(dir, 'CONVERT_UNSUPPORTED_ARCH');
    });

    it('unsupported dtype', async () => {
      const dir = copyModel('i32');
      const p = join(dir, 'model.safetensors');
      const buf = require('node:fs').readFileSync(p) as Buffer;
      const n = Number(buf.readBigUInt64LE(0));
      const header = buf.subarray(8, 8 + n).toString('utf8').replace('"dtype":"F32","shape":[512,256]', '"dtype":"I32","shape":[512,256]');
      expect(header).toContain('I32');
      buf.write(header, 8, 'utf8');
      writeFileSync(p, buf);
      await expectFailure(dir, 'CONVERT_UNSUPPORTED_DTYPE');
    });

    it('corrupt safetensors header', async () => {
      const dir = copyModel('corrupt');
      const p = join(dir, 'model.safetensors');
      const buf = require('node:fs').readFileSync(p) as Buffer;
      buf.write('{{{{', 8, 'utf8');
      writeFileSync(p, buf);
      await expectFailure(dir, 'CONVERT_BAD_SAFETENSORS');
    });

    it('truncated shard', async () => {
      const dir = join(tmp(), 'sharded-trunc');
      await synthHfModel(dir, { preset: 'micro', seed: 1, shards: 2 });
      const shard = join(dir, 'model-00002-of-00002.safetensors');
      truncateSync(shard, statSync(shard).size - 1000);
      await expectFailure(dir, 'CONVERT_TRUNCATED');
    });

    it('missing shard', async () => {
      const dir = join(tmp(), 'sharded-missing');
      await synthHfModel(dir, { preset: 'micro', seed: 1, shards: 2 });
      rmSync(join(dir, 'model-00001-of-00002.safetensors'));
      await expectFailure(dir, 'CONVERT_MISSING_FILE');
      expect(existsSync(join(dir, 'model-00002-of-00002.safetensors'))).toBe(true);
    });

    it('shape that contradicts config.json', async () => {
      const dir = copyModel('bad-shape');
      editJson(dir, 'config.json', (j) => (j.intermediate_size = 1024));
      await expectFailure(dir, 'CONVERT_TENSOR_MISMATCH');
    });
  });
});

function halfToNumber(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + mant / 1024);
}
