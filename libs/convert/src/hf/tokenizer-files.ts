// The tokenizer files of a Hugging Face model directory, parsed loosely but
// checked where the converter depends on their shape.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConvertError } from '../errors';
import { readJsonFile } from './config';

type Json = Record<string, unknown>;

export interface AddedToken {
  readonly id: number;
  readonly content: string;
  readonly special: boolean;
}

export interface TokenizerFiles {
  /** tokenizer.json as parsed. */
  readonly tokenizer: Json;
  readonly model: Json;
  readonly addedTokens: readonly AddedToken[];
  /** tokenizer_config.json, or undefined when the directory has none. */
  readonly config?: Json;
  /** chat_template.jinja when present (used when tokenizer_config has no template). */
  readonly chatTemplateFile?: string;
}

function badTokenizer(what: string): ConvertError {
  return new ConvertError('CONVERT_BAD_TOKENIZER', `tokenizer.json: ${what}`);
}

function parseAddedTokens(raw: unknown): AddedToken[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badTokenizer('"added_tokens" must be an array');
  return raw.map((t, i) => {
    const o = t as Json;
    if (typeof o?.id !== 'number' || !Number.isSafeInteger(o.id) || o.id < 0 || typeof o.content !== 'string') {
      throw badTokenizer(`added_tokens[${i}] needs an integer "id" and a string "content"`);
    }
    return { id: o.id, content: o.content, special: o.special === true };
  });
}

export function readTokenizerFiles(dir: string): TokenizerFiles {
  const path = join(dir, 'tokenizer.json');
  if (!existsSync(path)) {
    const hint = existsSync(join(dir, 'tokenizer.model'))
      ? ' (only tokenizer.model was found: export the fast tokenizer with transformers to get tokenizer.json)'
      : '';
    throw new ConvertError('CONVERT_MISSING_FILE', `tokenizer.json not found in ${dir}${hint}`);
  }
  const tokenizer = readJsonFile(path, 'tokenizer.json');
  const model = tokenizer.model;
  if (typeof model !== 'object' || model === null || Array.isArray(model)) throw badTokenizer('has no "model" object');
  const configPath = join(dir, 'tokenizer_config.json');
  const config = existsSync(configPath) ? readJsonFile(configPath, 'tokenizer_config.json') : undefined;
  const jinjaPath = join(dir, 'chat_template.jinja');
  const chatTemplateFile = existsSync(jinjaPath) ? readFileSync(jinjaPath, 'utf8') : undefined;
  return { tokenizer, model: model as Json, addedTokens: parseAddedTokens(tokenizer.added_tokens), config, chatTemplateFile };
}

/** model.vocab of a BPE/WordPiece model as token -> id, validated. */
export function bpeVocab(model: Json): Map<string, number> {
  const v = model.vocab;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badTokenizer('model.vocab must be an object of token -> id');
  const out = new Map<string, number>();
  for (const [tok, id] of Object.entries(v as Json)) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw badTokenizer(`model.vocab['${tok}'] is not a token id`);
    out.set(tok, id);
  }
  return out;
}
