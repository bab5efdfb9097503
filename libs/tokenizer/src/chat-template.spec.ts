import { renderChatTemplate, type ChatMessage } from './chat-template';
import { ChatTemplateError } from './errors';
import { byteLevelVocab } from './test-vocabs';
import { Tokenizer } from './tokenizer';

const CHATML =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const LLAMA3 =
  "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

const CONVERSATION: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi there ' },
];

describe('renderChatTemplate', () => {
  it('renders a ChatML template', () => {
    expect(renderChatTemplate(CHATML, CONVERSATION, { addGenerationPrompt: true })).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there <|im_end|>\n<|im_start|>assistant\n',
    );
    expect(renderChatTemplate(CHATML, CONVERSATION)).not.toContain('assistant');
  });

  it('renders a Llama 3 template with bos_token', () => {
    expect(renderChatTemplate(LLAMA3, CONVERSATION, { addGenerationPrompt: true, bosToken: '<|begin_of_text|>' })).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('passes tools and extra variables', () => {
    const t = '{% if tools %}{{ tools | length }} tools{% endif %}{% if enable_thinking %} thinking{% endif %}';
    expect(renderChatTemplate(t, [], { tools: [{ name: 'a' }, { name: 'b' }], extra: { enable_thinking: true } })).toBe('2 tools thinking');
  });

  it('raises a typed parse error for a template that cannot be parsed', () => {
    const broken = '{% for message in messages %}{{ message.content }';
    expect(() => renderChatTemplate(broken, CONVERSATION)).toThrow(ChatTemplateError);
    expect(() => renderChatTemplate(broken, CONVERSATION)).toThrow(expect.objectContaining({ code: 'CHAT_TEMPLATE_PARSE' }));
  });

  it('raises a typed render error carrying the template’s own message', () => {
    const strict = "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversations must start with a user message') }}{% endif %}ok";
    expect(renderChatTemplate(strict, [{ role: 'user', content: 'x' }])).toBe('ok');
    let caught: unknown;
    try {
      renderChatTemplate(strict, CONVERSATION);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ChatTemplateError);
    expect((caught as ChatTemplateError).code).toBe('CHAT_TEMPLATE_RENDER');
    expect((caught as ChatTemplateError).message).toContain('Conversations must start with a user message');
  });
});

describe('Tokenizer.applyChatTemplate', () => {
  const extra = [
    { text: '<|begin_of_text|>', type: 3 },
    { text: '<|end_of_text|>', type: 3 },
    { text: '<|start_header_id|>', type: 3 },
    { text: '<|end_header_id|>', type: 3 },
    { text: '<|eot_id|>', type: 3 },
  ];

  it('uses the vocabulary’s template and BOS/EOS texts, and the prompt parses back to control tokens', () => {
    const tok = Tokenizer.fromMetadata(byteLevelVocab({ pre: 'llama-bpe', merges: [], extra, chatTemplate: LLAMA3 }));
    const prompt = tok.applyChatTemplate(CONVERSATION, { addGenerationPrompt: true });
    expect(prompt.startsWith('<|begin_of_text|><|start_header_id|>system')).toBe(true);
    const ids = tok.encode(prompt, { addSpecial: false, parseSpecial: true });
    expect(ids[0]).toBe(tok.bosId);
    expect(ids.filter((id) => id === tok.eotId)).toHaveLength(2);
    expect(tok.decode(ids)).toBe(prompt);
  });

  it('fails with CHAT_TEMPLATE_MISSING when the model has no template', () => {
    const tok = Tokenizer.fromMetadata(byteLevelVocab({ pre: 'llama-bpe', merges: [], extra }));
    expect(() => tok.applyChatTemplate(CONVERSATION)).toThrow(expect.objectContaining({ code: 'CHAT_TEMPLATE_MISSING' }));
    expect(tok.applyChatTemplate(CONVERSATION, { template: CHATML })).toContain('<|im_start|>user');
  });
});
