import { openLocalEngine, type TokenEvent } from '@tessera/engine';
import type { Command } from '../command';
import { floatFlag, intFlag, parseCommandArgs, positionals } from '../args';
import { UsageError } from '../cli-error';

const usage =
  'tessera generate MODEL.gguf --prompt TEXT [-n N] [--temp T] [--top-k K] [--top-p P] [--min-p P] [--seed S] ' +
  '[--threads N] [--logprobs K] [--chat] [--ignore-eos] [--json]';

interface Step {
  id: number;
  text: string;
  top: [number, number][];
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'generate text from a GGUF model (streams to the terminal; --json for the golden files\' shape)',
  usage,
  async run(argv, ctx) {
    const { values, positionals: pos } = parseCommandArgs(
      argv,
      {
        prompt: { type: 'string', short: 'p' },
        n: { type: 'string', short: 'n' },
        temp: { type: 'string' },
        'top-k': { type: 'string' },
        'top-p': { type: 'string' },
        'min-p': { type: 'string' },
        seed: { type: 'string' },
        threads: { type: 'string', short: 't' },
        logprobs: { type: 'string' },
        chat: { type: 'boolean', default: false },
        'ignore-eos': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
      usage,
    );
    const [modelPath] = positionals(pos, 1, usage);
    if (values.prompt === undefined) throw new UsageError(`--prompt is required\nusage: ${usage}`);
    const json = values.json as boolean;
    // Sampling defaults follow llama.cpp's CLI so outputs feel the same.
    const params = {
      maxTokens: intFlag(values.n, 'n', 32, 1),
      temperature: floatFlag(values.temp, 'temp', 0.8, 0, 100),
      topK: intFlag(values['top-k'], 'top-k', 40, 0),
      topP: floatFlag(values['top-p'], 'top-p', 0.95, 1e-9, 1),
      minP: floatFlag(values['min-p'], 'min-p', 0.05, 0, 1),
      seed: values.seed === undefined ? undefined : intFlag(values.seed, 'seed', 0, 0),
      logprobs: intFlag(values.logprobs, 'logprobs', json ? 5 : 0, 0),
      ignoreEos: values['ignore-eos'] as boolean,
    };
    const threads = intFlag(values.threads, 'threads', 2, 1);
    const local = await openLocalEngine(modelPath, { threads, maxSeqs: 1 });
    try {
      const { tokenizer, engine } = local;
      const text = values.chat
        ? tokenizer.applyChatTemplate([{ role: 'user', content: values.prompt }], { addGenerationPrompt: true })
        : values.prompt;
      // Prompts are tokenized as llama.cpp does: BOS per the model, special-token text parsed.
      // A chat template that writes BOS itself must not get a second one.
      const bos = tokenizer.bosId === undefined ? undefined : tokenizer.tokenText(tokenizer.bosId);
      const templateHasBos = Boolean(values.chat && bos && text.startsWith(bos));
      const promptTokens = tokenizer.encode(text, { addSpecial: !templateHasBos, parseSpecial: true });
      const steps: Step[] = [];
      const onAbort = () => engine.abort('cli');
      ctx.signal.addEventListener('abort', onAbort);
      let finish: TokenEvent | undefined;
      for await (const event of engine.generate({ id: 'cli', promptTokens, params })) {
        if (event.tokenId !== null) {
          steps.push({ id: event.tokenId, text: tokenizer.decode([event.tokenId]), top: event.top ?? [] });
          if (!json) ctx.stdout.write(event.text);
        } else {
          finish = event;
          if (!json) ctx.stdout.write(event.text);
        }
      }
      ctx.signal.removeEventListener('abort', onAbort);
      if (finish?.finishReason === 'error') throw new Error(finish.error ?? 'generation failed');
      if (finish?.finishReason === 'abort') throw Object.assign(new Error('interrupted'), { name: 'AbortError' });
      if (json) {
        const round = (x: number) => Math.round(x * 1e6) / 1e6;
        const out = { prompt_tokens: promptTokens, steps: steps.map((s) => ({ ...s, top: s.top.map(([id, lp]) => [id, round(lp)]) })) };
        ctx.stdout.write(JSON.stringify(out) + '\n');
      } else {
        const m = finish?.metrics;
        ctx.stdout.write('\n');
        if (m) {
          const tps = m.timePerOutputTokenMs > 0 ? (1000 / m.timePerOutputTokenMs).toFixed(1) : '-';
          ctx.stderr.write(
            `[${m.numPromptTokens} prompt tokens, ${m.numOutputTokens} generated (${finish?.finishReason}); ` +
              `first token ${m.timeToFirstTokenMs.toFixed(0)} ms, ${tps} tokens/s]\n`,
          );
        }
      }
    } finally {
      local.close();
    }
  },
};
