import { Generation } from '../generation';
import { ResponseContext } from './chat-response.builder';
import { ChoiceAccumulator } from './choice-accumulator';
import { completionLogprobs } from './logprobs';
import { usageView } from './usage.view';

/** A whole `text_completion` once every choice finished. */
export async function buildCompletion(generation: Generation, ctx: ResponseContext) {
  const acc = new ChoiceAccumulator(ctx.n);
  for await (const event of generation) acc.add(event);
  return {
    id: ctx.id,
    object: 'text_completion' as const,
    created: ctx.created,
    model: ctx.model,
    choices: acc.choices.map((c) => ({
      index: c.index,
      text: c.text,
      logprobs: ctx.logprobs ? completionLogprobs(c.tokens, c.offsets) : null,
      finish_reason: c.finishReason,
    })),
    usage: usageView(generation.usage),
  };
}

/** Streamed `text_completion` chunks, a finish chunk per choice, and usage if asked. */
export async function* completionChunks(generation: Generation, ctx: ResponseContext): AsyncGenerator<object> {
  const base = { id: ctx.id, object: 'text_completion' as const, created: ctx.created, model: ctx.model };
  const usage = ctx.includeUsage ? { usage: null } : {};
  const acc = new ChoiceAccumulator(ctx.n);
  for await (const event of generation) {
    const delta = acc.add(event);
    if (!delta) continue;
    const index = delta.choice.index;
    if (delta.text !== '' || (ctx.logprobs && delta.tokens.length > 0)) {
      const logprobs = ctx.logprobs ? completionLogprobs(delta.tokens, delta.offsets) : null;
      yield { ...base, choices: [{ index, text: delta.text, logprobs, finish_reason: null }], ...usage };
    }
    if (delta.finished) yield { ...base, choices: [{ index, text: '', logprobs: null, finish_reason: delta.finished.finishReason }], ...usage };
  }
  if (ctx.includeUsage) yield { ...base, choices: [], usage: usageView(generation.usage) };
}
