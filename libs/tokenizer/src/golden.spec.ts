import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readGGUF } from '@tessera/gguf';
import { Tokenizer } from './tokenizer';

// llama.cpp's tokenization of seven prompts (BOS added, special tokens parsed),
// recorded beside each quantized model built from the same source model.
const GOLDEN_DIR = join(__dirname, '../../../../shared/golden/micro');

interface GoldenRun {
  results: Array<{ prompt: string; prompt_tokens: number[] }>;
}

const goldenFiles = readdirSync(GOLDEN_DIR).filter((f) => /^gen-micro-.*\.json$/.test(f));

describe('golden tokenization (micro model, pre = default)', () => {
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    tokenizer = await Tokenizer.load(join(GOLDEN_DIR, 'micro-f32.gguf'));
  });

  it('finds the seven golden runs', () => {
    expect(goldenFiles).toHaveLength(7);
  });

  it('reads the vocabulary facts the README states', () => {
    expect(tokenizer.kind).toBe('bpe');
    expect(tokenizer.vocabSize).toBe(512);
    expect(tokenizer.bosId).toBe(510);
    expect(tokenizer.eosId).toBe(511);
    expect(tokenizer.addBos).toBe(true);
    expect(tokenizer.isControl(510)).toBe(true);
    expect(tokenizer.isControl(97)).toBe(false);
  });

  for (const file of goldenFiles) {
    it(`matches every prompt of ${file}`, () => {
      const run = JSON.parse(readFileSync(join(GOLDEN_DIR, file), 'utf8')) as GoldenRun;
      expect(run.results).toHaveLength(7);
      for (const { prompt, prompt_tokens } of run.results) {
        expect({ prompt, ids: tokenizer.encode(prompt, { addSpecial: true, parseSpecial: true }) }).toEqual({ prompt, ids: prompt_tokens });
      }
    });
  }

  it('decodes every golden prompt back to its text', () => {
    const run = JSON.parse(readFileSync(join(GOLDEN_DIR, goldenFiles[0]), 'utf8')) as GoldenRun;
    for (const { prompt, prompt_tokens } of run.results) {
      expect(tokenizer.decode(prompt_tokens, { skipSpecial: true })).toBe(prompt);
    }
  });

  it('is the same vocabulary in every quantized model the golden runs came from', async () => {
    const reference = await readGGUF(join(GOLDEN_DIR, 'micro-f32.gguf'));
    for (const file of goldenFiles) {
      const type = /^gen-micro-(.*)\.json$/.exec(file)![1];
      const other = await readGGUF(join(GOLDEN_DIR, `micro-${type}.gguf`));
      for (const key of ['tokenizer.ggml.tokens', 'tokenizer.ggml.merges', 'tokenizer.ggml.token_type', 'tokenizer.ggml.pre']) {
        expect(other.kv.get(key)).toEqual(reference.kv.get(key));
      }
    }
  });
});
