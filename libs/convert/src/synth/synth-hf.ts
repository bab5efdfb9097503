// A synthesized Hugging Face model directory: config.json,
// generation_config.json, tokenizer.json, tokenizer_config.json and the
// weights as model.safetensors or N shards plus model.safetensors.index.json.
// The weights are synthGguf's (same seed -> same values), stored the HF way:
// row-major, Q/K rows in rotate-half order, every tensor in `dtype`. So
// converting this directory to F32 reproduces synthGguf's tensors exactly.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GGMLType } from '@tessera/gguf';
import { ConvertError } from '../errors';
import { unpermuteHeadRows } from '../hf/permute';
import { INDEX_FILE, SINGLE_FILE } from '../safetensors/hf-weights';
import { SafetensorsTensorSource, writeSafetensors } from '../safetensors/writer';
import { FloatOutType, encodeF32 } from '../tensor/encode-floats';
import { buildBpeVocab } from './bpe-vocab';
import { HfTokenizerFiles, bpeTokenizerFiles, spmTokenizerFiles } from './hf-tokenizer-files';
import { ModelShape, PresetName, presetShape } from './presets';
import { buildSpmVocab } from './spm-vocab';
import { SYNTH_BOS, SYNTH_EOS } from './synth-gguf';
import { SynthTensor, synthTensors, synthValues } from './weights';

export interface SynthHfOptions {
  readonly preset: PresetName;
  readonly seed?: number;
  readonly dtype?: 'f32' | 'f16' | 'bf16';
  /** Number of safetensors shards; 1 (default) writes model.safetensors. */
  readonly shards?: number;
  readonly tokenizer?: 'bpe' | 'spm';
  /** HF architecture written to config.json (default LlamaForCausalLM). */
  readonly architecture?: 'LlamaForCausalLM' | 'MistralForCausalLM';
  /** Overrides the preset's tied/untied embeddings (tied: no lm_head.weight). */
  readonly tieEmbeddings?: boolean;
}

export interface SynthHfResult {
  readonly dir: string;
  readonly files: string[];
  readonly vocabSize: number;
}

const DTYPES: Record<'f32' | 'f16' | 'bf16', { st: string; ggml: FloatOutType; torch: string }> = {
  f32: { st: 'F32', ggml: GGMLType.F32, torch: 'float32' },
  f16: { st: 'F16', ggml: GGMLType.F16, torch: 'float16' },
  bf16: { st: 'BF16', ggml: GGMLType.BF16, torch: 'bfloat16' },
};

/** GGUF name -> HF name (inverse of the converter's mapping). */
export function hfNameOf(gguf: string): string {
  const global: Record<string, string> = {
    'token_embd.weight': 'model.embed_tokens.weight',
    'output_norm.weight': 'model.norm.weight',
    'output.weight': 'lm_head.weight',
  };
  if (global[gguf]) return global[gguf];
  const m = /^blk\.(\d+)\.(\w+)\.weight$/.exec(gguf);
  const local: Record<string, string> = {
    attn_norm: 'input_layernorm',
    attn_q: 'self_attn.q_proj',
    attn_k: 'self_attn.k_proj',
    attn_v: 'self_attn.v_proj',
    attn_output: 'self_attn.o_proj',
    ffn_norm: 'post_attention_layernorm',
    ffn_gate: 'mlp.gate_proj',
    ffn_up: 'mlp.up_proj',
    ffn_down: 'mlp.down_proj',
  };
  if (!m || !local[m[2]]) throw new RangeError(`no HF name for ${gguf}`);
  return `model.layers.${m[1]}.${local[m[2]]}.weight`;
}

function tensorSource(t: SynthTensor, seed: number, dtype: { st: string; ggml: FloatOutType }): SafetensorsTensorSource {
  const rowLen = t.dims[0];
  return {
    name: hfNameOf(t.name),
    dtype: dtype.st,
    shape: [...t.dims].reverse(),
    async *chunks() {
      for (const values of synthValues(t, seed)) {
        const bytes = encodeF32(values, dtype.ggml);
        yield t.permuteHeadRows ? unpermuteHeadRows(bytes, t.permuteHeadRows, (bytes.byteLength / values.length) * rowLen) : bytes;
      }
    },
  };
}

/** Splits tensors into `n` contiguous, non-empty groups of roughly equal bytes. */
function shardGroups<T extends { shape: readonly number[] }>(tensors: T[], n: number): T[][] {
  const sizes = tensors.map((t) => t.shape.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  const groups: T[][] = Array.from({ length: n }, () => []);
  let acc = 0;
  let g = 0;
  tensors.forEach((t, i) => {
    if (i > 0) {
      const byBytes = Math.min(n - 1, Math.floor((acc / total) * n));
      // Advance at most one group at a time (no empty shard), and soon enough
      // that the remaining tensors can still fill every remaining shard.
      g = Math.max(g, Math.min(byBytes, g + 1), n - (tensors.length - i));
    }
    groups[g].push(t);
    acc += sizes[i];
  });
  return groups;
}

function configJson(s: ModelShape, arch: string, torchDtype: string, tok: HfTokenizerFiles, vocabSize: number): Record<string, unknown> {
  return {
    architectures: [arch],
    model_type: arch === 'MistralForCausalLM' ? 'mistral' : 'llama',
    hidden_act: 'silu',
    hidden_size: s.nEmbd,
    intermediate_size: s.nFf,
    num_hidden_layers: s.nLayer,
    num_attention_heads: s.nHead,
    num_key_value_heads: s.nHeadKv,
    max_position_embeddings: s.contextLength,
    rms_norm_eps: s.rmsEps,
    rope_theta: s.ropeTheta,
    rope_scaling: null,
    attention_bias: false,
    tie_word_embeddings: s.tied,
    vocab_size: vocabSize,
    bos_token_id: tok.bosId,
    eos_token_id: tok.eosId,
    torch_dtype: torchDtype,
    transformers_version: '4.44.0',
  };
}

export async function synthHfModel(dir: string, opts: SynthHfOptions): Promise<SynthHfResult> {
  const base = presetShape(opts.preset);
  const seed = opts.seed ?? 0;
  const shards = opts.shards ?? 1;
  const dtype = DTYPES[opts.dtype ?? 'f32'];
  if (!dtype) throw new ConvertError('CONVERT_BAD_OPTION', `dtype must be f32, f16 or bf16, got '${String(opts.dtype)}'`);
  const kind = opts.tokenizer ?? 'bpe';
  const tok =
    kind === 'spm'
      ? spmTokenizerFiles(buildSpmVocab(base.vocabSize), base.contextLength)
      : bpeTokenizerFiles(buildBpeVocab({ vocabSize: base.vocabSize }), SYNTH_BOS, SYNTH_EOS, base.contextLength, base.pre);
  const shape = opts.tieEmbeddings === undefined ? base : { ...base, tied: opts.tieEmbeddings };
  const tensors = synthTensors(shape).map((t) => tensorSource(t, seed, dtype));
  if (!Number.isInteger(shards) || shards < 1 || shards > tensors.length) {
    throw new ConvertError('CONVERT_BAD_OPTION', `shards must be an integer from 1 to ${tensors.length}, got ${shards}`);
  }
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const json = async (name: string, value: unknown) => {
    await writeFile(join(dir, name), JSON.stringify(value, null, 2) + '\n');
    files.push(name);
  };
  await json('config.json', configJson(shape, opts.architecture ?? 'LlamaForCausalLM', dtype.torch, tok, shape.vocabSize));
  await json('generation_config.json', { bos_token_id: tok.bosId, eos_token_id: tok.eosId, transformers_version: '4.44.0' });
  await json('tokenizer.json', tok.tokenizerJson);
  await json('tokenizer_config.json', tok.tokenizerConfig);
  if (shards === 1) {
    await writeSafetensors(join(dir, SINGLE_FILE), tensors);
    files.push(SINGLE_FILE);
  } else {
    const weightMap: Record<string, string> = {};
    let totalSize = 0;
    const groups = shardGroups(tensors, shards);
    for (let i = 0; i < groups.length; i++) {
      const name = `model-${String(i + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
      await writeSafetensors(join(dir, name), groups[i]);
      files.push(name);
      for (const t of groups[i]) {
        weightMap[t.name] = name;
        totalSize += t.shape.reduce((a, b) => a * b, 1) * (dtype.st === 'F32' ? 4 : 2);
      }
    }
    const sorted = Object.fromEntries(Object.entries(weightMap).sort(([a], [b]) => (a < b ? -1 : 1)));
    await json(INDEX_FILE, { metadata: { total_size: totalSize }, weight_map: sorted });
  }
  return { dir, files, vocabSize: shape.vocabSize };
}
