// The worker as the gateway sees it: a real process (compiled dist) serving gRPC,
// registered in a real Redis, compared with the engine run in this process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import { parseWorkerRecord, workerKey, modelWorkersKey } from '@tessera/contracts';
import { synthGguf } from '@tessera/convert';
import { LlamaModel, openLocalEngine, type LocalEngine } from '@tessera/engine';
import { finishedOf, InferenceTestClient, tokenIds, type GenerateEvent } from './test-utils/inference-client';
import { freePort, waitFor } from '@tessera/testing';
import { startRedis, type TestRedis } from './test-utils/redis-server';
import { startWorker, type ReadyLine, type WorkerProcess } from './test-utils/worker-process';

const dir = mkdtempSync(join(tmpdir(), 'worker-e2e-'));
const modelPath = join(dir, 'tiny.gguf');
const TTL_MS = 2000;
const PROMPT = 'the quick brown fox';

let redis: TestRedis;
let worker: WorkerProcess;
let ready: ReadyLine;
let client: InferenceTestClient;
let local: LocalEngine;
let metricsPort: number;

beforeAll(async () => {
  await synthGguf(modelPath, { preset: 'tiny', seed: 3 });
  redis = await startRedis();
  metricsPort = await freePort();
  ({ worker, ready } = await startWorker({
    TESSERA_MODEL: modelPath,
    TESSERA_MODEL_NAME: 'tiny-e2e',
    WORKER_ID: 'w-inference',
    REDIS_URL: redis.url,
    WORKER_HEARTBEAT_MS: '300',
    WORKER_TTL_MS: String(TTL_MS),
    TESSERA_MAX_SEQS: '4',
    TESSERA_KV_BLOCKS: '256',
    METRICS_PORT: String(metricsPort),
  }));
  client = new InferenceTestClient(ready.address);
  local = await openLocalEngine(modelPath, { threads: 1, maxSeqs: 4, kvBlocks: 256 });
});

afterAll(async () => {
  client?.close();
  local?.close();
  worker?.kill('SIGKILL');
  await worker?.exited;
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The engine's own greedy output for a text prompt, tokenized as the worker does. */
async function localGreedy(maxTokens: number): Promise<number[]> {
  const promptTokens = local.tokenizer.encode(PROMPT, { addSpecial: true, parseSpecial: true });
  const ids: number[] = [];
  for await (const e of local.engine.generate({ id: `local-${maxTokens}`, promptTokens, params: { temperature: 0, maxTokens, ignoreEos: true } })) {
    if (e.tokenId !== null) ids.push(e.tokenId);
  }
  return ids;
}

const greedy = (extra: object = {}) => ({ temperature: 0, maxTokens: 12, ignoreEos: true, ...extra });

describe('worker registry entry', () => {
  it('announces address, model, capacity, load and readiness with a TTL', async () => {
    const raw = await redis.client.get(workerKey('w-inference'));
    expect(raw).not.toBeNull();
    const record = parseWorkerRecord(raw!);
    expect(record).toMatchObject({ id: 'w-inference', address: ready.address, model: 'tiny-e2e', maxModelLen: 1024, maxSeqs: 4, kvBlocks: 256, blockSize: 16 });
    expect(record).toMatchObject({ ready: true, draining: false, running: 0, waiting: 0, pid: worker.proc.pid, metricsPort });
    expect(Date.now() - record.heartbeatAt).toBeLessThan(TTL_MS);
    const pttl = await redis.client.pttl(workerKey('w-inference'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(TTL_MS);
    const live = await redis.client.zrangebyscore(modelWorkersKey('tiny-e2e'), Date.now(), '+inf');
    expect(live).toEqual(['w-inference']);
  });
});

describe('Generate', () => {
  it('streams Started, the engine\'s own greedy tokens and one Finished', async () => {
    const events = await client.generate({ requestId: 'greedy-1', text: PROMPT, addSpecial: true, params: greedy() });
    const promptTokens = local.tokenizer.encode(PROMPT, { addSpecial: true, parseSpecial: true });
    expect(events[0].started).toEqual({ promptTokens: promptTokens.length, cachedTokens: 0 });
    const ids = tokenIds(events);
    expect(ids).toEqual(await localGreedy(12));
    const finished = finishedOf(events)!;
    expect(finished).toMatchObject({ finishReason: 'length', completionTokens: 12, error: '' });
    expect(events[events.length - 1].event).toBe('finished');
    const text = events.map((e) => e.token?.text ?? e.finished?.text ?? '').join('');
    expect(text).toBe(local.tokenizer.decode(ids));
    expect(finished.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(finished.e2eLatencyMs).toBeGreaterThanOrEqual(finished.timeToFirstTokenMs);
  });

  it('returns the top log-probabilities of each step, the chosen (greedy) token first', async () => {
    const events = await client.generate({ text: PROMPT, addSpecial: true, params: greedy({ maxTokens: 4, logprobs: 3 }) });
    const tokens = events.filter((e) => e.token).map((e) => e.token!);
    expect(tokens).toHaveLength(4);
    for (const t of tokens) {
      expect(t.top).toHaveLength(3);
      expect(t.top[0].tokenId).toBe(t.tokenId);
      expect(t.logprob).toBeCloseTo(t.top[0].logprob, 4);
      expect(t.top[0].logprob).toBeGreaterThanOrEqual(t.top[1].logprob);
      expect(t.top[1].logprob).toBeGreaterThanOrEqual(t.top[2].logprob);
      expect(t.logprob).toBeLessThan(0);
      expect(t.tokenText).toBe(local.tokenizer.decode([t.tokenId]));
      expect(t.top[1].text).toBe(local.tokenizer.decode([t.top[1].tokenId]));
    }
  });

  it('reproduces a sampled completion from its seed, and differs with another seed', async () => {
    const sampled = (seed: number) => client.generate({ text: PROMPT, addSpecial: true, params: { temperature: 1, maxTokens: 16, ignoreEos: true, seed } });
    const a = tokenIds(await sampled(42));
    const b = tokenIds(await sampled(42));
    const c = tokenIds(await sampled(7));
    expect(a).toHaveLength(16);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('runs n = 2 as two completions when the native runtime copies KV blocks, and refuses it otherwise', async () => {
    const events = await client.generate({ text: PROMPT, addSpecial: true, params: { temperature: 1, seed: 5, maxTokens: 6, ignoreEos: true, n: 2 } });
    if (typeof (LlamaModel.prototype as unknown as Record<string, unknown>).copyBlocks === 'function') {
      expect(tokenIds(events, 0)).toHaveLength(6);
      expect(tokenIds(events, 1)).toHaveLength(6);
      expect(finishedOf(events, 1)?.finishReason).toBe('length');
    } else {
      expect(events).toEqual([{ event: 'error', error: { code: 'invalid_request_error', message: expect.stringMatching(/cannot copy KV blocks/), param: 'n' } }]);
    }
  });

  it('renders chat prompts with the model\'s template', async () => {
    const messages = [{ role: 'user', content: 'hello there' }];
    const events = await client.generate({ chat: { messages, addGenerationPrompt: true }, params: greedy({ maxTokens: 3 }) });
    const rendered = local.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
    expect(rendered).toContain('<|im_start|>assistant');
    const expected = local.tokenizer.encode(rendered, { addSpecial: true, parseSpecial: true });
    expect(events[0].started?.promptTokens).toBe(expected.length);
    expect(finishedOf(events)?.completionTokens).toBe(3);
  });

  it.each([
    ['a negative temperature', { text: PROMPT, params: { temperature: -1, maxTokens: 4 } }, 'invalid_request_error', 'temperature'],
    ['top_p above 1', { text: PROMPT, params: { temperature: 1, topP: 1.5, maxTokens: 4 } }, 'invalid_request_error', 'top_p'],
    ['a token id outside the vocabulary', { tokens: { ids: [1, 99999] }, params: greedy() }, 'invalid_request_error', 'prompt'],
    ['no prompt at all', { params: greedy() }, 'invalid_request_error', 'prompt'],
    ['a prompt longer than the context', { tokens: { ids: new Array(1100).fill(5) }, params: greedy() }, 'context_length_exceeded', 'prompt'],
    ['an empty conversation', { chat: { messages: [] }, params: greedy() }, 'invalid_request_error', 'messages'],
  ])('answers %s with one Error event', async (_name, req, code, param) => {
    const events = await client.generate(req);
    expect(events).toHaveLength(1);
    expect(events[0].event).toBe('error');
    expect(events[0].error).toMatchObject({ code, param });
    expect(events[0].error!.message.length).toBeGreaterThan(10);
  });
});

describe('cancellation', () => {
  it('aborts the engine request when the client cancels the call, freeing its KV blocks', async () => {
    const call = client.generateStream({ requestId: 'cancel-me', text: PROMPT, addSpecial: true, params: greedy({ maxTokens: 900 }) });
    const errored = new Promise<ServiceError>((resolve) => call.on('error', resolve));
    let tokens = 0;
    await new Promise<void>((resolve) => call.on('data', (e: GenerateEvent) => e.token && ++tokens === 3 && resolve()));
    const busy = await client.call('Stats');
    expect(busy.running).toBe(1);
    expect(busy.kvUsage).toBeGreaterThan(0);
    call.cancel();
    expect((await errored).code).toBe(status.CANCELLED);
    const freed = await waitFor(async () => {
      const s = await client.call('Stats');
      return s.running === 0 && s.waiting === 0 && s.kvUsage === 0 ? s : undefined;
    }, { timeoutMs: 2000, what: 'the worker to free the cancelled request' });
    expect(freed.kvUsage).toBe(0);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/tessera_request_success_total\{[^}]*finish_reason="abort"[^}]*\} 1/);
  });

  it('ends a request by id through the Abort RPC', async () => {
    const { events, ended } = await client.streamUntilFirstToken({ requestId: 'abort-rpc', text: PROMPT, addSpecial: true, params: greedy({ maxTokens: 900 }) });
    expect(await client.call('Abort', { requestId: 'abort-rpc' })).toEqual({ aborted: true });
    await ended;
    expect(finishedOf(events)?.finishReason).toBe('abort');
    expect(await client.call('Abort', { requestId: 'abort-rpc' })).toEqual({ aborted: false });
  });
});

describe('Tokenize, Detokenize, Health, Stats', () => {
  it('round-trips text through Tokenize and Detokenize', async () => {
    const tokenized = await client.call('Tokenize', { text: PROMPT, addSpecial: false });
    expect(tokenized.tokens).toEqual(local.tokenizer.encode(PROMPT, { addSpecial: false, parseSpecial: true }));
    expect(tokenized).toMatchObject({ count: tokenized.tokens.length, maxModelLen: 1024 });
    expect(await client.call('Detokenize', { tokens: tokenized.tokens })).toEqual({ text: PROMPT });
  });

  it('refuses token ids outside the vocabulary with INVALID_ARGUMENT', async () => {
    await expect(client.call('Detokenize', { tokens: [1, 4096] })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/outside the vocabulary/) });
  });

  it('reports live and ready after the warm-up step, on gRPC and HTTP', async () => {
    expect(await client.call('Health')).toEqual({ live: true, ready: true, model: 'tiny-e2e', reason: '' });
    expect((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
  });

  it('reports the model, its limits and the engine counters', async () => {
    const stats = await client.call('Stats');
    expect(stats).toMatchObject({ model: 'tiny-e2e', running: 0, waiting: 0, maxModelLen: 1024, vocabSize: 4096 });
    expect(stats.prefixQueries).toBeGreaterThan(0);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/tessera_generation_tokens_total\{[^}]*model="tiny-e2e"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/tessera_time_to_first_token_seconds_count\{[^}]*\} [1-9]/);
  });
});
