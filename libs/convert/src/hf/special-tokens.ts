// Special-token ids, add_bos/add_eos flags and the chat template, gathered the
// way the reference's SpecialVocab does: tokenizer_config.json names the
// tokens (looked up among tokenizer.json's added tokens), a simple
// TemplateProcessing post-processor implies add_bos/add_eos, config.json's
// *_token_id fill what is still missing.

import { KvList } from '../gguf-kv';
import { LlamaHParams } from './config';
import { TokenizerFiles } from './tokenizer-files';

type Json = Record<string, unknown>;

const TYPES = ['bos', 'eos', 'unk', 'sep', 'pad', 'cls', 'mask'] as const;
type SpecialType = (typeof TYPES)[number];

/** GGUF key suffix per special type (llama.cpp spells "seperator"). */
const KEY: Record<SpecialType, string> = {
  bos: 'bos_token_id',
  eos: 'eos_token_id',
  unk: 'unknown_token_id',
  sep: 'seperator_token_id',
  pad: 'padding_token_id',
  cls: 'cls_token_id',
  mask: 'mask_token_id',
};

export interface SpecialVocab {
  readonly ids: Map<SpecialType, number>;
  readonly add: Map<'bos' | 'eos', boolean>;
  readonly chatTemplates: { name: string | null; template: string }[];
}

function tokenContent(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (typeof entry === 'object' && entry !== null && typeof (entry as Json).content === 'string') return (entry as Json).content as string;
  return undefined;
}

function chatTemplates(files: TokenizerFiles): { name: string | null; template: string }[] {
  const raw = files.config?.chat_template ?? files.chatTemplateFile;
  if (typeof raw === 'string') return [{ name: null, template: raw }];
  if (Array.isArray(raw)) {
    return raw
      .filter((t): t is Json => typeof t?.name === 'string' && typeof t?.template === 'string')
      .map((t) => ({ name: t.name === 'default' ? null : (t.name as string), template: t.template as string }));
  }
  return [];
}

/** Reads the leading/trailing special tokens of a TemplateProcessing "single" template. */
function templateFlags(tokenizer: Json, bos?: string, eos?: string): Map<'bos' | 'eos', boolean> {
  const out = new Map<'bos' | 'eos', boolean>();
  const pp = tokenizer.post_processor as Json | undefined;
  if (!pp) return out;
  const processors = Array.isArray(pp.processors) ? (pp.processors as Json[]) : [pp];
  for (const p of processors) {
    if (p?.type !== 'TemplateProcessing' || !Array.isArray(p.single) || p.single.length < 2) continue;
    const single = p.single as Json[];
    const first = ((single[0].SpecialToken as Json | undefined)?.id as string | undefined) ?? undefined;
    const last = ((single[single.length - 1].SpecialToken as Json | undefined)?.id as string | undefined) ?? undefined;
    if (first !== undefined) out.set('bos', first === bos);
    if (last !== undefined) out.set('eos', last === eos);
  }
  return out;
}

export function readSpecialVocab(files: TokenizerFiles, hp: LlamaHParams, nVocab: number): SpecialVocab {
  const cfg = files.config ?? {};
  const ids = new Map<SpecialType, number>();
  const setId = (t: SpecialType, id: number | undefined) => {
    if (id !== undefined && id >= 0 && id < nVocab && !ids.has(t)) ids.set(t, id);
  };
  const contents = new Map<SpecialType, string>();
  for (const t of TYPES) {
    const c = tokenContent(cfg[`${t}_token`]);
    if (c === undefined) continue;
    contents.set(t, c);
    setId(t, files.addedTokens.find((a) => a.content === c)?.id);
  }
  setId('bos', hp.bosTokenId);
  setId('eos', hp.eosTokenId);
  setId('pad', hp.padTokenId);

  const add = templateFlags(files.tokenizer, contents.get('bos'), contents.get('eos'));
  for (const t of ['bos', 'eos'] as const) {
    const v = cfg[`add_${t}_token`];
    if (typeof v === 'boolean') add.set(t, v);
  }
  return { ids, add, chatTemplates: chatTemplates(files) };
}

export function addSpecialVocabKeys(kv: KvList, sv: SpecialVocab): void {
  for (const t of TYPES) {
    const id = sv.ids.get(t);
    if (id !== undefined) kv.u32(`tokenizer.ggml.${KEY[t]}`, id);
  }
  for (const [t, v] of sv.add) kv.bool(`tokenizer.ggml.add_${t}_token`, v);
  for (const { name, template } of sv.chatTemplates) {
    kv.string(name === null ? 'tokenizer.chat_template' : `tokenizer.chat_template.${name}`, template);
  }
}
