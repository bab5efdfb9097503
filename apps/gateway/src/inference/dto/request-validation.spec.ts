import { ApiError } from '../../common/api-error';
import { parseChatRequest } from './chat-request.dto';
import { parseCompletionRequest } from './completion-request.dto';
import { parseDetokenizeRequest, parseTokenizeRequest } from './tokenize-request.dto';

const chat = (over: object = {}) => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...over });

function rejection(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected a 400');
}

describe('parseChatRequest', () => {
  it('applies OpenAI defaults', () => {
    const request = parseChatRequest(chat());
    expect(request).toMatchObject({ model: 'm', stream: false, streamOptions: { includeUsage: false }, logprobs: false, messages: [{ role: 'user', content: 'hi' }] });
    expect(request.params).toEqual({
      temperature: 1,
      topP: 1,
      topK: 0,
      minP: 0,
      presencePenalty: 0,
      frequencyPenalty: 0,
      repetitionPenalty: 1,
      maxTokens: 0,
      stop: [],
      stopTokenIds: [],
      ignoreEos: false,
      logprobs: 0,
      n: 1,
    });
  });

  it('reads every supported parameter', () => {
    const request = parseChatRequest(
      chat({
        max_tokens: 5,
        temperature: 0,
        top_p: 0.5,
        top_k: -1,
        min_p: 0.05,
        presence_penalty: 2,
        frequency_penalty: -2,
        repetition_penalty: 1.1,
        seed: 7,
        stop: 'END',
        n: 3,
        logprobs: true,
        top_logprobs: 4,
        user: 'u1',
        stream: true,
        stream_options: { include_usage: true },
        response_format: { type: 'text' },
        logit_bias: {},
        ignore_eos: true,
        stop_token_ids: [2],
      }),
    );
    expect(request.params).toMatchObject({ maxTokens: 5, temperature: 0, topP: 0.5, topK: 0, minP: 0.05, seed: 7, stop: ['END'], n: 3, logprobs: 4, ignoreEos: true, stopTokenIds: [2] });
    expect(request).toMatchObject({ logprobs: true, user: 'u1', stream: true, streamOptions: { includeUsage: true } });
  });

  it('prefers max_completion_tokens over max_tokens', () => {
    expect(parseChatRequest(chat({ max_tokens: 5, max_completion_tokens: 9 })).params.maxTokens).toBe(9);
  });

  it('joins text parts, maps developer to system and keeps names', () => {
    const request = parseChatRequest(
      chat({ messages: [{ role: 'developer', content: 'rules' }, { role: 'user', name: 'ann', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] }),
    );
    expect(request.messages).toEqual([{ role: 'system', content: 'rules' }, { role: 'user', content: 'ab', name: 'ann' }]);
  });

  it.each([
    [{ model: undefined }, 'model'],
    [{ model: '' }, 'model'],
    [{ messages: [] }, 'messages'],
    [{ messages: 'hi' }, 'messages'],
    [{ messages: [{ role: 'user' }] }, 'messages[0].content'],
    [{ messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].role'],
    [{ messages: [{ role: 'user', content: 'x', extra: 1 }] }, 'messages[0].extra'],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }, 'messages[0].content[0].type'],
    [{ temperature: -0.1 }, 'temperature'],
    [{ temperature: 2.5 }, 'temperature'],
    [{ temperature: '1' }, 'temperature'],
    [{ top_p: 0 }, 'top_p'],
    [{ top_p: 1.5 }, 'top_p'],
    [{ top_k: -2 }, 'top_k'],
    [{ top_k: 1.5 }, 'top_k'],
    [{ min_p: 2 }, 'min_p'],
    [{ presence_penalty: 3 }, 'presence_penalty'],
    [{ frequency_penalty: -3 }, 'frequency_penalty'],
    [{ repetition_penalty: 0 }, 'repetition_penalty'],
    [{ seed: -1 }, 'seed'],
    [{ seed: 1.5 }, 'seed'],
    [{ max_tokens: 0 }, 'max_tokens'],
    [{ max_completion_tokens: 2.5 }, 'max_completion_tokens'],
    [{ n: 0 }, 'n'],
    [{ n: 17 }, 'n'],
    [{ stop: [''] }, 'stop'],
    [{ stop: [1] }, 'stop'],
    [{ stop: Array(17).fill('x') }, 'stop'],
    [{ logprobs: 1 }, 'logprobs'],
    [{ top_logprobs: 2 }, 'top_logprobs'],
    [{ logprobs: true, top_logprobs: 21 }, 'top_logprobs'],
    [{ stream: 'yes' }, 'stream'],
    [{ stream_options: { include_usage: true } }, 'stream_options'],
    [{ stream: true, stream_options: { include_usage: 1 } }, 'stream_options.include_usage'],
    [{ stream: true, stream_options: { other: true } }, 'stream_options.other'],
    [{ response_format: { type: 'json_object' } }, 'response_format.type'],
    [{ logit_bias: { '5': 1 } }, 'logit_bias'],
    [{ tools: [] }, 'tools'],
    [{ temprature: 1 }, 'temprature'],
  ])('rejects %j naming %s', (over, param) => {
    const err = rejection(() => parseChatRequest(chat(over)));
    expect(err.status).toBe(400);
    expect(err.param).toBe(param);
    expect(err.message).toContain(param.split('.')[0].replace(/\[.*$/, ''));
  });

  it('rejects bodies that are not objects', () => {
    for (const body of [null, [], 'x', 3]) expect(rejection(() => parseChatRequest(body)).status).toBe(400);
  });
});

describe('parseCompletionRequest', () => {
  const completion = (over: object = {}) => ({ model: 'm', prompt: 'hello', ...over });

  it('defaults max_tokens to 16 as OpenAI does', () => {
    const request = parseCompletionRequest(completion());
    expect(request.params.maxTokens).toBe(16);
    expect(request.logprobs).toBe(false);
    expect(request.prompt).toBe('hello');
  });

  it('accepts token prompts and single-prompt batches', () => {
    expect(parseCompletionRequest(completion({ prompt: [1, 2, 3] })).prompt).toEqual([1, 2, 3]);
    expect(parseCompletionRequest(completion({ prompt: ['only'] })).prompt).toBe('only');
    expect(parseCompletionRequest(completion({ prompt: [[4, 5]] })).prompt).toEqual([4, 5]);
  });

  it('maps integer logprobs to top alternatives', () => {
    const request = parseCompletionRequest(completion({ logprobs: 3 }));
    expect(request.logprobs).toBe(true);
    expect(request.params.logprobs).toBe(3);
    expect(parseCompletionRequest(completion({ logprobs: 0 })).logprobs).toBe(true);
  });

  it.each([
    [{ prompt: undefined }, 'prompt'],
    [{ prompt: 5 }, 'prompt'],
    [{ prompt: [] }, 'prompt'],
    [{ prompt: ['a', 'b'] }, 'prompt'],
    [{ prompt: [1, -2] }, 'prompt'],
    [{ logprobs: true }, 'logprobs'],
    [{ logprobs: 21 }, 'logprobs'],
    [{ echo: true }, 'echo'],
    [{ messages: [] }, 'messages'],
  ])('rejects %j naming %s', (over, param) => {
    expect(rejection(() => parseCompletionRequest(completion(over))).param).toBe(param);
  });
});

describe('tokenize bodies', () => {
  it('reads a prompt or messages, not both', () => {
    expect(parseTokenizeRequest({ model: 'm', prompt: 'abc' })).toEqual({ model: 'm', input: { text: 'abc' }, addSpecial: true });
    expect(parseTokenizeRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }], add_generation_prompt: false })).toEqual({
      model: 'm',
      input: { chat: { messages: [{ role: 'user', content: 'x' }], addGenerationPrompt: false } },
      addSpecial: true,
    });
    expect(rejection(() => parseTokenizeRequest({ model: 'm' })).param).toBe('prompt');
    expect(rejection(() => parseTokenizeRequest({ model: 'm', prompt: 'a', messages: [] })).param).toBe('prompt');
  });

  it('reads messages exactly as chat completions do, so counts match the prompt billed', () => {
    const messages = [{ role: 'developer', content: 'rules' }, { role: 'user', name: 'ann', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }];
    const tokenize = parseTokenizeRequest({ model: 'm', messages });
    expect(tokenize.input).toEqual({ chat: { messages: parseChatRequest({ model: 'm', messages }).messages, addGenerationPrompt: true } });
    expect(rejection(() => parseTokenizeRequest({ model: 'm', messages: [{ role: 'wizard', content: 'x' }] })).param).toBe('messages[0].role');
  });

  it('needs integer token ids to detokenize', () => {
    expect(parseDetokenizeRequest({ model: 'm', tokens: [1, 2] })).toEqual({ model: 'm', tokens: [1, 2] });
    expect(rejection(() => parseDetokenizeRequest({ model: 'm', tokens: ['a'] })).param).toBe('tokens');
    expect(rejection(() => parseDetokenizeRequest({ model: 'm' })).param).toBe('tokens');
  });
});
