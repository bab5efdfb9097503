import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GGMLType, GGUFValueType, readGGUF } from '@tessera/gguf';
import { useTmpDir } from '../test/tmp-dir';
import { CHATML_TEMPLATE } from './chat-template';
import { PRESETS } from './presets';
import { synthGguf } from './synth-gguf';
import { synthTensors } from './weights';

const GOLDEN = `${process.env.TESSERA_GOLDEN_DIR ?? '/work/shared/golden/micro'}/micro-f32.gguf`;

function typeSignature(v: { type: GGUFValueType; elemType?: GGUFValueType }): string {
  return v.type === GGUFValueType.ARRAY ? `ARRAY<${v.elemType}>` : String(v.type);
}

describe('synthGguf', () => {
  const tmp = useTmpDir();

  it('micro has the golden micro model\'s keys, key types and tensors (plus a chat template)', async () => {
    const out = join(tmp(), 'micro.gguf');
    await synthGguf(out, { preset: 'micro', seed: 7 });
    const ours = await readGGUF(out);
    const golden = await readGGUF(GOLDEN);
    const goldenKeys = golden.kv.keys();
    expect(ours.kv.keys()).toEqual([...goldenKeys, 'tokenizer.chat_template']);
    for (const k of goldenKeys) expect([k, typeSignature(ours.kv.get(k)!)]).toEqual([k, typeSignature(golden.kv.get(k)!)]);
    const shape = (f: typeof ours) => f.tensors.map((t) => [t.name, t.type, t.dims]);
    expect(shape(ours)).toEqual(shape(golden));
    // Same hyper-parameters and tokenizer layout as the golden file.
    for (const k of goldenKeys.filter((k) => k.startsWith('llama.') || ['tokenizer.ggml.model', 'tokenizer.ggml.pre', 'tokenizer.ggml.add_bos_token'].includes(k))) {
      expect([k, ours.kv.get(k)!.value]).toEqual([k, golden.kv.get(k)!.value]);
    }
    expect(ours.kv.getString('tokenizer.chat_template')).toBe(CHATML_TEMPLATE);
    const tokens = ours.kv.get('tokenizer.ggml.tokens')!.value as string[];
    expect(tokens[ours.kv.getU32('tokenizer.ggml.bos_token_id')]).toBe('<|begin_of_text|>');
    expect(tokens[ours.kv.getU32('tokenizer.ggml.eos_token_id')]).toBe('<|end_of_text|>');
  });

  it('is deterministic per seed and differs across seeds', async () => {
    const a = join(tmp(), 'a.gguf');
    const b = join(tmp(), 'b.gguf');
    const c = join(tmp(), 'c.gguf');
    await synthGguf(a, { preset: 'micro', seed: 3, name: 'x' });
    await synthGguf(b, { preset: 'micro', seed: 3, name: 'x' });
    await synthGguf(c, { preset: 'micro', seed: 4, name: 'x' });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(readFileSync(a).equals(readFileSync(c))).toBe(false);
  });

  it('writes F16 matrices and F32 norms for outtype f16, with sane weight statistics', async () => {
    const out = join(tmp(), 'f16.gguf');
    await synthGguf(out, { preset: 'micro', seed: 1, outtype: 'f16' });
    const f = await readGGUF(out);
    expect(f.kv.getU32('general.file_type')).toBe(1);
    for (const t of f.tensors) expect([t.name, t.type]).toEqual([t.name, t.dims.length === 1 ? GGMLType.F32 : GGMLType.F16]);
    const bytes = readFileSync(out);
    const norm = f.tensorsByName.get('blk.0.attn_norm.weight')!;
    const nv = new Float32Array(bytes.buffer.slice(bytes.byteOffset + norm.absoluteOffset, bytes.byteOffset + norm.absoluteOffset + norm.nBytes));
    const mean = nv.reduce((a, b) => a + b, 0) / nv.length;
    expect(mean).toBeGreaterThan(0.97);
    expect(mean).toBeLessThan(1.03);
  });

  it('leaves nothing behind when aborted', async () => {
    const dir = join(tmp(), 'abort');
    require('node:fs').mkdirSync(dir);
    const ac = new AbortController();
    const p = synthGguf(join(dir, 'x.gguf'), {
      preset: 'micro',
      onProgress: (pr) => {
        if (pr.tensorsDone === 3) ac.abort();
      },
      signal: ac.signal,
    });
    await expect(p).rejects.toMatchObject({ code: 'CONVERT_ABORTED' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('has the real models\' parameter counts for the smollm and tinyllama presets', () => {
    const params = (p: keyof typeof PRESETS) => synthTensors(PRESETS[p]).reduce((n, t) => n + t.dims.reduce((a, b) => a * b, 1), 0);
    expect(params('smollm')).toBe(134_515_008); // SmolLM-135M
    expect(params('tinyllama')).toBe(1_100_048_384); // TinyLlama-1.1B
    expect(synthTensors(PRESETS.smollm).some((t) => t.name === 'output.weight')).toBe(false);
    expect(synthTensors(PRESETS.tinyllama).some((t) => t.name === 'output.weight')).toBe(true);
  });

  it('rejects an unknown preset with a typed error', async () => {
    await expect(synthGguf(join(tmp(), 'x.gguf'), { preset: 'huge' as never })).rejects.toMatchObject({ code: 'CONVERT_BAD_OPTION' });
  });
});
