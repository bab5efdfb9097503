import { PassThrough } from 'node:stream';
import { FINISHED_CALL_GRACE_MS, GrpcWorkerClient } from './grpc-worker.client';
import { GenerateEvent, GenerateRequest } from './inference-messages';
import { WorkerUnavailableError } from './worker-client';

/** A Generate call as grpc-js returns it (an object-mode readable) with a cancel spy. */
class FakeCall extends PassThrough {
  readonly cancel = jest.fn(() => {
    this.destroy(Object.assign(new Error('Cancelled on client'), { code: 1, details: 'Cancelled on client' }));
  });
  constructor() {
    super({ objectMode: true });
  }
}

const started: GenerateEvent = { event: 'started', started: { promptTokens: 3, cachedTokens: 0 } };
const token = (index = 0): GenerateEvent => ({ event: 'token', token: { index, tokenId: 1, text: 'a', logprob: -1, top: [], tokenText: 'a' } });
const finished = (index = 0): GenerateEvent => ({ event: 'finished', finished: { index, finishReason: 'stop', completionTokens: 1, text: 'a', error: '' } });

function request(n: number): GenerateRequest {
  const params = { temperature: 0, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0, maxTokens: 1, stop: [], stopTokenIds: [], ignoreEos: false, logprobs: 0, n };
  return { requestId: 'r', text: 'hi', addSpecial: true, priority: 0, params };
}

/** A client whose every Generate returns `call`. */
function clientReturning(call: FakeCall): GrpcWorkerClient {
  const client = new GrpcWorkerClient();
  (client as unknown as { client: () => unknown }).client = () => ({ Generate: () => call });
  return client;
}

/** Reads events like Generation does: until `n` Finished events, then stops (return()). */
async function readUntilFinished(events: AsyncIterable<GenerateEvent>, n: number): Promise<GenerateEvent[]> {
  const seen: GenerateEvent[] = [];
  let finishedCount = 0;
  for await (const event of events) {
    seen.push(event);
    if (event.event === 'finished' && ++finishedCount === n) break;
  }
  return seen;
}

describe('GrpcWorkerClient.generate', () => {
  it('yields the events in order and does not cancel a call whose completions all finished (the worker ends it)', async () => {
    const call = new FakeCall();
    const events = clientReturning(call).generate('w:1', request(2), new AbortController().signal);
    for (const e of [started, token(0), token(1), finished(1), finished(0)]) call.write(e);
    expect(await readUntilFinished(events, 2)).toEqual([started, token(0), token(1), finished(1), finished(0)]);
    expect(call.cancel).not.toHaveBeenCalled();
    // The call ending afterwards, even with an error, is absorbed.
    call.destroy(new Error('late failure'));
    await new Promise((r) => setImmediate(r));
  });

  it('still cancels a finished call that the worker does not end within FINISHED_CALL_GRACE_MS', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    try {
      const call = new FakeCall();
      const events = clientReturning(call).generate('w:1', request(1), new AbortController().signal);
      for (const e of [started, token(), finished()]) call.write(e);
      await readUntilFinished(events, 1);
      jest.advanceTimersByTime(FINISHED_CALL_GRACE_MS - 1);
      expect(call.cancel).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(call.cancel).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('cancels the call when the consumer stops before every completion finished', async () => {
    const call = new FakeCall();
    const events = clientReturning(call).generate('w:1', request(2), new AbortController().signal);
    for (const e of [started, token(0), finished(0), token(1)]) call.write(e);
    expect(await readUntilFinished(events, 1)).toEqual([started, token(0), finished(0)]);
    expect(call.cancel).toHaveBeenCalledTimes(1);
  });

  it('cancels on abort (client gone) and ends quietly', async () => {
    const call = new FakeCall();
    const abort = new AbortController();
    const iterator = clientReturning(call).generate('w:1', request(1), abort.signal)[Symbol.asyncIterator]();
    call.write(started);
    expect((await iterator.next()).value).toEqual(started);
    const pending = iterator.next();
    abort.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(call.cancel).toHaveBeenCalled();
  });

  it('turns a failed call into WorkerUnavailableError after the events that came before it', async () => {
    const call = new FakeCall();
    const iterator = clientReturning(call).generate('w:1', request(1), new AbortController().signal)[Symbol.asyncIterator]();
    const first = iterator.next(); // the generator starts (and listens) on the first next()
    call.write(started);
    call.write(token());
    await new Promise((r) => setImmediate(r));
    call.destroy(Object.assign(new Error('14 UNAVAILABLE: gone'), { code: 14, details: 'connection dropped' }));
    await new Promise((r) => setImmediate(r));
    expect((await first).value).toEqual(started);
    expect((await iterator.next()).value).toEqual(token());
    const failure = await iterator.next().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkerUnavailableError);
    expect((failure as Error).message).toContain('connection dropped');
  });

  it('ends when the call ends', async () => {
    const call = new FakeCall();
    const events = clientReturning(call).generate('w:1', request(1), new AbortController().signal);
    call.write(started);
    call.end();
    const seen: GenerateEvent[] = [];
    for await (const e of events) seen.push(e);
    expect(seen).toEqual([started]);
  });

  it('pauses the call while many events wait for a slow consumer, and resumes as it catches up', async () => {
    const call = new FakeCall();
    const iterator = clientReturning(call).generate('w:1', request(1), new AbortController().signal)[Symbol.asyncIterator]();
    call.write(started);
    expect((await iterator.next()).value).toEqual(started);
    for (let i = 0; i < 40; i++) call.write(token());
    await new Promise((r) => setImmediate(r));
    expect(call.isPaused()).toBe(true);
    for (let i = 0; i < 40; i++) expect((await iterator.next()).value).toEqual(token());
    expect(call.isPaused()).toBe(false);
    call.write(finished());
    expect((await iterator.next()).value).toEqual(finished());
    await iterator.return?.(undefined);
    expect(call.cancel).not.toHaveBeenCalled();
  });
});
