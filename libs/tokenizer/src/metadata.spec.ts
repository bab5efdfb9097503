import { metadataFromKV } from './metadata';
import { byteLevelVocab } from './test-vocabs';
import { Tokenizer } from './tokenizer';

const get = (kv: Record<string, unknown>) => (key: string) => kv[key];

describe('metadataFromKV', () => {
  const base = { 'tokenizer.ggml.model': 'gpt2', 'tokenizer.ggml.tokens': ['a', 'b'], 'tokenizer.ggml.merges': ['a b'] };

  it('maps GGUF keys to tokenizer metadata', () => {
    const meta = metadataFromKV(
      get({
        ...base,
        'tokenizer.ggml.pre': 'qwen2',
        'tokenizer.ggml.token_type': [1, 3],
        'tokenizer.ggml.bos_token_id': 1,
        'tokenizer.ggml.eos_token_id': 1n,
        'tokenizer.ggml.add_bos_token': false,
        'tokenizer.chat_template': '{{ x }}',
      }),
    );
    expect(meta).toMatchObject({ model: 'gpt2', pre: 'qwen2', tokens: ['a', 'b'], merges: ['a b'], tokenTypes: [1, 3], bosId: 1, eosId: 1, addBos: false, chatTemplate: '{{ x }}' });
    expect(meta.scores).toBeUndefined();
  });

  it('names the key when a value has the wrong type or is missing', () => {
    expect(() => metadataFromKV(get({}))).toThrow(expect.objectContaining({ code: 'TOKENIZER_MISSING_KEY', message: expect.stringContaining('tokenizer.ggml.model') }));
    expect(() => metadataFromKV(get({ ...base, 'tokenizer.ggml.add_bos_token': 1 }))).toThrow(
      expect.objectContaining({ code: 'TOKENIZER_BAD_METADATA', message: expect.stringContaining('add_bos_token') }),
    );
    expect(() => metadataFromKV(get({ ...base, 'tokenizer.ggml.tokens': [1, 2] }))).toThrow(expect.objectContaining({ code: 'TOKENIZER_MISSING_KEY' }));
  });
});

describe('vocabulary checks', () => {
  it('rejects duplicate tokens, short side arrays and add_bos without a BOS id', () => {
    const meta = byteLevelVocab({ pre: 'gpt-2', merges: [] });
    expect(() => Tokenizer.fromMetadata({ ...meta, tokens: [...meta.tokens, 'a'], tokenTypes: undefined })).toThrow(
      expect.objectContaining({ code: 'TOKENIZER_DUPLICATE_TOKEN' }),
    );
    expect(() => Tokenizer.fromMetadata({ ...meta, tokenTypes: [1, 1] })).toThrow(expect.objectContaining({ code: 'TOKENIZER_BAD_METADATA' }));
    // SentencePiece adds BOS by default; its default id 1 does not exist in a one-token vocabulary.
    expect(() => Tokenizer.fromMetadata({ model: 'llama', tokens: ['a'] })).toThrow(expect.objectContaining({ code: 'TOKENIZER_NO_SPECIAL_TOKEN' }));
    // Without byte tokens, a character outside the vocabulary becomes one unknown token.
    expect(Tokenizer.fromMetadata({ model: 'llama', tokens: ['<unk>', 'a'], addBos: false }).encode('a日')).toEqual([0, 1, 0]);
  });

  it('renames empty tokens so every id keeps a distinct text', () => {
    const meta = byteLevelVocab({ pre: 'gpt-2', merges: [] });
    const tok = Tokenizer.fromMetadata({ ...meta, tokens: [...meta.tokens, '', ''], tokenTypes: undefined });
    expect(tok.tokenText(256)).toBe('[EMPTY_256]');
    expect(tok.tokenText(257)).toBe('[EMPTY_257]');
  });

  it('treats end-of-turn tokens as control tokens even when typed as user-defined', () => {
    const tok = Tokenizer.fromMetadata(byteLevelVocab({ pre: 'gpt-2', merges: [], extra: [{ text: '<|im_end|>', type: 4 }, { text: '<|im_start|>', type: 4 }] }));
    const imEnd = tok.tokenId('<|im_end|>')!;
    expect(tok.isControl(imEnd)).toBe(true);
    expect(tok.isControl(tok.tokenId('<|im_start|>')!)).toBe(false);
    expect(tok.stopTokenIds).toContain(imEnd);
    expect(tok.eotId).toBe(imEnd);
    // A control token is text without parseSpecial; a user-defined one is always recognized.
    expect(tok.encode('<|im_end|><|im_start|>', { addSpecial: false })).not.toContain(imEnd);
    expect(tok.encode('<|im_end|><|im_start|>', { addSpecial: false })).toContain(tok.tokenId('<|im_start|>'));
    expect(tok.decode([imEnd], { skipSpecial: true })).toBe('');
  });
});
