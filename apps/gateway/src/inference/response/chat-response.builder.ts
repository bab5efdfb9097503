import { Generation } from '../generation';
import { ChoiceAccumulator } from './choice-accumulator';
import { chatLogprobs } from './logprobs';
import { usageView } from './usage.view';

export interface ResponseContext {
  id: string;
  created: number;
  model: string;
  n: number;
  logprobs: boolean;
  includeUsage: boolean;
}

/** A whole `chat.completion` once every choice finished. */
export async function buildChatCompletion(generation: Generation, ctx: ResponseContext) {
  const acc = new ChoiceAccumulator(ctx.n);
  for await (const event of generation) acc.add(event);
  return {
    id: ctx.id,
    object: 'chat.completion' as const,
    created: ctx.created,
    model: ctx.model,
    choices: acc.choices.map((c) => ({
      index: c.index,
      message: { role: 'assistant' as const, content: c.text, refusal: null },
      logprobs: ctx.logprobs ? chatLogprobs(c.tokens) : null,
      finish_reason: c.finishReason,
    })),
    usage: usageView(generation.usage),
  };
}

/** `chat.completion.chunk` objects: role first, then deltas, finishes, and usage if asked. */
export async function* chatCompletionChunks(generation: Generation, ctx: ResponseContext): AsyncGenerator<object> {
  const base = { id: ctx.id, object: 'chat.completion.chunk' as const, created: ctx.created, model: ctx.model };
  const usage = ctx.includeUsage ? { usage: null } : {};
  const chunk = (choice: object) => ({ ...base, choices: [choice], ...usage });
  for (let index = 0; index < ctx.n; index++) {
    yield chunk({ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null });
  }
  const acc = new ChoiceAccumulator(ctx.n);
  for await (const event of generation) {
    const delta = acc.add(event);
    if (!delta) continue;
    const index = delta.choice.index;
    if (delta.text !== '' || (ctx.logprobs && delta.tokens.length > 0)) {
      yield chunk({ index, delta: { content: delta.text }, logprobs: ctx.logprobs ? chatLogprobs(delta.tokens) : null, finish_reason: null });
    }
    if (delta.finished) yield chunk({ index, delta: {}, logprobs: null, finish_reason: delta.finished.finishReason });
  }
  if (ctx.includeUsage) yield { ...base, choices: [], usage: usageView(generation.usage) };
}
