import { ErrorCode } from '@tessera/contracts';
import { ApiError } from '../common/api-error';
import { FinishedEvent, GenerateEvent, TokenEvent } from '../workers/inference-messages';
import { WorkerUnavailableError } from '../workers/worker-client';
import { Generation, OutputEvent, Usage } from './generation';

const token = (index: number, text: string): { event: 'token'; token: TokenEvent } => ({
  event: 'token',
  token: { index, tokenId: 1, text, logprob: -1, top: [], tokenText: text },
});
const finished = (index: number, over: Partial<FinishedEvent> = {}): { event: 'finished'; finished: FinishedEvent } => ({
  event: 'finished',
  finished: { index, finishReason: 'length', completionTokens: 2, text: '', error: '', ...over },
});

/** A Generation over scripted worker events (the first one is the head). */
function generation(events: (GenerateEvent | Error)[], n = 1, signal = new AbortController().signal) {
  const closed: Usage[] = [];
  const [first, ...rest] = events as GenerateEvent[];
  async function* tail(): AsyncGenerator<GenerateEvent> {
    for (const e of rest as (GenerateEvent | Error)[]) {
      if (e instanceof Error) throw e;
      yield e;
    }
  }
  const g = new Generation('r1', { promptTokens: 7, cachedTokens: 0 }, first as OutputEvent, tail(), n, signal, (u) => closed.push({ ...u }));
  return { g, closed };
}

async function drain(g: Generation): Promise<OutputEvent[]> {
  const out: OutputEvent[] = [];
  for await (const e of g) out.push(e);
  return out;
}

describe('Generation', () => {
  it('counts completion tokens of every choice and closes once with the usage', async () => {
    const { g, closed } = generation([token(0, 'a'), token(1, 'b'), token(0, 'c'), finished(0), token(1, 'd'), finished(1, { completionTokens: 0 })], 2);
    expect(await drain(g)).toHaveLength(6);
    g.close();
    expect(closed).toEqual([{ promptTokens: 7, cachedTokens: 0, completionTokens: 4 }]);
  });

  it('takes the prefix-cache hit from Finished, since Started always says 0', async () => {
    const { g } = generation([token(0, 'a'), finished(0, { cachedTokens: 16 }), finished(1, { cachedTokens: 16 })], 2);
    await drain(g);
    expect(g.usage.cachedTokens).toBe(16);
  });

  it('fails when the stream ends before every choice finished, or the replica drops it', async () => {
    await expect(drain(generation([token(0, 'a')]).g)).rejects.toMatchObject({ code: ErrorCode.WorkerFailed });
    const dropped = generation([token(0, 'a'), new WorkerUnavailableError('w:1', 'connection reset')]);
    await expect(drain(dropped.g)).rejects.toBeInstanceOf(ApiError);
    expect(dropped.closed).toHaveLength(1);
  });

  it('turns an aborted completion and a worker error event into errors, but a client abort into a quiet end', async () => {
    await expect(drain(generation([token(0, 'a'), finished(0, { finishReason: 'abort' })]).g)).rejects.toMatchObject({ code: ErrorCode.WorkerFailed });
    const error = { event: 'error', error: { code: ErrorCode.InvalidRequest, message: 'bad', param: 'n' } } as GenerateEvent;
    await expect(drain(generation([token(0, 'a'), error]).g)).rejects.toMatchObject({ code: ErrorCode.InvalidRequest, param: 'n' });
    const client = new AbortController();
    client.abort();
    expect(await drain(generation([token(0, 'a')], 1, client.signal).g)).toHaveLength(1);
  });
});
