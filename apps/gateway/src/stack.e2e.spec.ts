// The whole serving stack, nothing faked: real Redis, the gateway, and real
// worker processes (the compiled apps/worker) serving a synthesized model,
// driven by the official openai client. Needs `node tools/build.mjs` first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import OpenAI from 'openai';
import { modelWorkersKey, parseWorkerRecord, workerKey } from '@tessera/contracts';
import { synthGguf } from '@tessera/convert';
import { InFlightTracker } from './registry/in-flight.tracker';
import { GrpcWorkerClient } from './workers/grpc-worker.client';
import { WorkerUnavailableError } from './workers/worker-client';
import { GatewayHarness, startGateway, TEST_ADMIN_KEY } from './test-utils/gateway-harness';
import { RealWorker } from './test-utils/real-worker';
import { sleep, startTestRedis, TestRedis, waitFor } from '@tessera/testing';

const MODEL = 'tiny-stack';
const SOLO = 'tiny-solo';
const CONTEXT = 1024; // the tiny preset's context length
const VOCAB = 4096;
const TTL_MS = 1000;
const WORKER_ENV = { WORKER_HEARTBEAT_MS: '200', WORKER_TTL_MS: String(TTL_MS), TESSERA_MAX_SEQS: '4', TESSERA_KV_BLOCKS: '256' };
/** vLLM's extension, passed through the openai client as an extra body field. */
const IGNORE_EOS = { ignore_eos: true } as object;
const MESSAGES: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Tell me about the quick brown fox.' }];

const dir = mkdtempSync(join(tmpdir(), 'stack-e2e-'));
let redis: TestRedis;
let redisClient: Redis;
let gw: GatewayHarness;
let workers: RealWorker[];
let solo: RealWorker;
let client: OpenAI;

/** How long the stack may take to show a change (a drain, a freed request, an expiry). */
const SETTLE_MS = 5000;

async function admin(method: string, path: string, body: object): Promise<any> {
  const res = await gw.request(method, path, { key: TEST_ADMIN_KEY, body });
  expect(res.status).toBe(201);
  return res.body;
}

async function teamClient(team: object & { name: string }): Promise<OpenAI> {
  await admin('POST', '/v1/admin/teams', team);
  const { key } = await admin('POST', '/v1/admin/keys', { team: team.name, role: 'member' });
  return new OpenAI({ apiKey: key, baseURL: `${gw.baseUrl}/v1`, maxRetries: 0 });
}

/** The one replica of MODEL running a request now (gRPC Stats of each). */
async function servingWorker(): Promise<RealWorker> {
  const running = await Promise.all(workers.map(async (w) => ((await w.stats()).running > 0 ? w : undefined)));
  const serving = running.filter((w): w is RealWorker => w !== undefined);
  expect(serving).toHaveLength(1);
  return serving[0];
}

const sumOver = async (list: RealWorker[], name: string, labels: Record<string, string> = {}) =>
  (await Promise.all(list.map((w) => w.metric(name, labels)))).reduce((a, b) => a + b, 0);

beforeAll(async () => {
  const modelPath = join(dir, 'tiny.gguf');
  [redis] = await Promise.all([startTestRedis(), synthGguf(modelPath, { preset: 'tiny', seed: 11 })]);
  redisClient = new Redis(redis.url);
  const start = (id: string, model: string) => RealWorker.start({ id, model, modelPath, redisUrl: redis.url, env: WORKER_ENV });
  const started = await Promise.allSettled([start('w-a', MODEL), start('w-b', MODEL), start('w-solo', SOLO)]);
  const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(ok.map((w) => w.stop()));
    throw failed.reason;
  }
  [workers, solo] = [ok.slice(0, 2), ok[2]];
  gw = await startGateway({}, redis);
  client = await teamClient({ name: 'alpha' });
}, 60_000);

afterAll(async () => {
  await Promise.all([...(workers ?? []), ...(solo ? [solo] : [])].map((w) => w.stop()));
  redisClient?.disconnect();
  await gw?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the openai client against real workers', () => {
  it('lists the models the workers registered, with their context length', async () => {
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual([SOLO, MODEL]);
    expect(list.data[1]).toMatchObject({ object: 'model', owned_by: 'tessera', max_model_len: CONTEXT });
  });

  it('answers chat with n=2 and logprobs, reproducibly from a seed, counting usage as the worker tokenizes', async () => {
    const ask = (seed: number) =>
      client.chat.completions.create({ model: MODEL, messages: MESSAGES, n: 2, seed, temperature: 1, max_completion_tokens: 6, logprobs: true, top_logprobs: 2, ...IGNORE_EOS });
    const [a, again, other] = [await ask(42), await ask(42), await ask(43)];
    expect(a.choices.map((c) => [c.index, c.finish_reason])).toEqual([[0, 'length'], [1, 'length']]);
    expect(again.choices.map((c) => c.message.content)).toEqual(a.choices.map((c) => c.message.content));
    expect(again.choices.map((c) => c.logprobs?.content?.map((t) => t.token))).toEqual(a.choices.map((c) => c.logprobs?.content?.map((t) => t.token)));
    expect(other.choices[0].logprobs?.content?.map((t) => t.token)).not.toEqual(a.choices[0].logprobs?.content?.map((t) => t.token));
    expect(a.choices[1].logprobs?.content?.map((t) => t.token)).not.toEqual(a.choices[0].logprobs?.content?.map((t) => t.token));
    for (const choice of a.choices) {
      const tokens = choice.logprobs!.content!;
      expect(tokens).toHaveLength(6);
      for (const t of tokens) {
        expect(t.logprob).toBeLessThan(0);
        expect(t.top_logprobs).toHaveLength(2);
        expect(t.top_logprobs[0].logprob).toBeGreaterThanOrEqual(t.top_logprobs[1].logprob);
      }
    }
    const withTemplate = await workers[0].tokenCount({ chat: { messages: MESSAGES as { role: string; content: string }[], addGenerationPrompt: true } });
    const contentOnly = await workers[0].tokenCount({ text: MESSAGES[0].content as string, addSpecial: false });
    expect(withTemplate).toBeGreaterThan(contentOnly + 4); // the ChatML markers are counted
    expect(a.usage).toMatchObject({ prompt_tokens: withTemplate, completion_tokens: 12, total_tokens: withTemplate + 12 });
  });

  it('streams chat with n=2 to the same tokens as the non-streamed answer, then usage', async () => {
    const params = { model: MODEL, messages: MESSAGES, n: 2, seed: 42, temperature: 1, max_completion_tokens: 6, logprobs: true, ...IGNORE_EOS };
    const whole = await client.chat.completions.create(params);
    const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    const text = ['', ''];
    const tokens = [0, 0];
    const finishes: (string | null)[] = [null, null];
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        text[c.index] += c.delta.content ?? '';
        tokens[c.index] += c.logprobs?.content?.length ?? 0;
        finishes[c.index] ??= c.finish_reason;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toEqual(whole.choices.map((c) => c.message.content));
    expect(tokens).toEqual([6, 6]);
    expect(finishes).toEqual(['length', 'length']);
    expect(usage).toEqual(whole.usage);
  });

  it('answers text completions, streamed and not, with logprobs and the prompt counted with BOS', async () => {
    const params = { model: MODEL, prompt: 'Once upon a time', n: 2, seed: 7, temperature: 0.8, max_tokens: 5, logprobs: 2, ...IGNORE_EOS };
    const whole = await client.completions.create(params);
    const promptTokens = await workers[1].tokenCount({ text: 'Once upon a time', addSpecial: true });
    expect(whole.usage).toMatchObject({ prompt_tokens: promptTokens, completion_tokens: 10, total_tokens: promptTokens + 10 });
    for (const choice of whole.choices) {
      expect(choice.logprobs?.tokens).toHaveLength(5);
      expect(choice.logprobs?.token_logprobs).toHaveLength(5);
      expect(choice.logprobs?.top_logprobs).toHaveLength(5);
    }
    const stream = await client.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    const text = ['', ''];
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      for (const c of chunk.choices) text[c.index] += c.text;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toEqual(whole.choices.map((c) => c.text));
    expect(usage).toEqual(whole.usage);
  });

  it('spreads concurrent requests over both replicas, which answer greedily alike', async () => {
    const ask = () => client.completions.create({ model: MODEL, prompt: 'The answer is', temperature: 0, max_tokens: 32, ...IGNORE_EOS });
    const before = await Promise.all(workers.map((w) => w.metric('tessera_request_success_total')));
    // Prefix affinity keeps one replica while its load stays within 2 of the other's.
    const answers = await Promise.all(Array.from({ length: 8 }, ask));
    const after = await Promise.all(workers.map((w) => w.metric('tessera_request_success_total')));
    expect(after.every((n, i) => n > before[i])).toBe(true);
    expect(new Set(answers.map((a) => a.choices[0].text)).size).toBe(1);
  });
});

describe('tokens and text as the worker sees them', () => {
  it('counts in /tokenize exactly the prompt tokens a chat is billed for', async () => {
    const messages = [
      { role: 'developer', content: 'Answer briefly.' },
      { role: 'user', content: [{ type: 'text', text: 'Where is ' }, { type: 'text', text: 'the fox?' }] },
    ] as OpenAI.Chat.ChatCompletionMessageParam[];
    const chat = await client.chat.completions.create({ model: MODEL, messages, max_completion_tokens: 1 });
    const counted = await gw.request('POST', '/tokenize', { key: client.apiKey!, body: { model: MODEL, messages } });
    expect(counted.status).toBe(200);
    expect(counted.body).toMatchObject({ count: chat.usage!.prompt_tokens, max_model_len: CONTEXT });
  });

  it('round-trips text through /tokenize and /detokenize, and refuses ids outside the vocabulary with 400', async () => {
    const key = client.apiKey!;
    const tokenized = await gw.request('POST', '/tokenize', { key, body: { model: MODEL, prompt: 'the quick brown fox', add_special_tokens: false } });
    expect(tokenized.body.count).toBe(await workers[0].tokenCount({ text: 'the quick brown fox', addSpecial: false }));
    const text = await gw.request('POST', '/detokenize', { key, body: { model: MODEL, tokens: tokenized.body.tokens } });
    expect(text.body).toEqual({ prompt: 'the quick brown fox' });
    const bad = await gw.request('POST', '/detokenize', { key, body: { model: MODEL, tokens: [1, VOCAB + 5] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_request_error', param: 'tokens', message: expect.stringContaining('vocabulary') });
    const generate = await client.completions.create({ model: MODEL, prompt: [1, VOCAB + 5], max_tokens: 1 }).catch((e: unknown) => e);
    expect(generate).toMatchObject({ status: 400, code: 'invalid_request_error', param: 'prompt' });
  });

  it('ends at a stop string found in the real output, streamed and not', async () => {
    const params = { model: MODEL, prompt: 'The answer is', temperature: 0, max_tokens: 24, ...IGNORE_EOS };
    const full = (await client.completions.create(params)).choices[0].text;
    const middle = Math.floor(full.length / 2);
    const stop = full.slice(middle, middle + 3);
    const expected = full.slice(0, full.indexOf(stop));
    expect(expected.length).toBeGreaterThan(0);
    const stopped = await client.completions.create({ ...params, stop });
    expect(stopped.choices[0]).toMatchObject({ text: expected, finish_reason: 'stop' });
    const stream = await client.completions.create({ ...params, stop, stream: true });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      finish ??= chunk.choices[0]?.finish_reason ?? null;
    }
    expect([text, finish]).toEqual([expected, 'stop']);
  });
});

describe('errors that come from real workers', () => {
  it('400 context_length_exceeded for a prompt beyond the model context', async () => {
    const tooLong = Array.from({ length: CONTEXT + 10 }, (_, i) => 100 + (i % 50));
    const err = await client.completions.create({ model: MODEL, prompt: tooLong, max_tokens: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'prompt' });
    expect((err as Error).message).toContain(String(CONTEXT));
    const chat = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'fox '.repeat(CONTEXT) }] }).catch((e: unknown) => e);
    expect(chat).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'messages' });
    // The prompt fits, but not with the completion asked for: refused, not silently shortened.
    const greedy = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_completion_tokens: CONTEXT }).catch((e: unknown) => e);
    expect(greedy).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'messages' });
    expect((greedy as Error).message).toMatch(/Lower max_tokens to at most \d+/);
    // Refused before the first token: a plain 400 even when a stream was asked for.
    const streamed = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_completion_tokens: CONTEXT, stream: true }).catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('404 for a model no worker serves', async () => {
    const err = await client.chat.completions.create({ model: 'not-served', messages: MESSAGES }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err).toMatchObject({ code: 'model_not_found', param: 'model' });
  });

  it('401 for a wrong key and 403 for a model outside the team allowlist', async () => {
    const stranger = new OpenAI({ apiKey: 'tsk-not-a-real-key-0000000000', baseURL: `${gw.baseUrl}/v1`, maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const restricted = await teamClient({ name: 'solo-only', allowed_models: [SOLO] } as { name: string });
    const err = await restricted.chat.completions.create({ model: MODEL, messages: MESSAGES, max_completion_tokens: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err).toMatchObject({ code: 'permission_denied', param: 'model' });
    expect((await restricted.chat.completions.create({ model: SOLO, messages: MESSAGES, max_completion_tokens: 1 })).choices).toHaveLength(1);
  });

  it('503 no_ready_replica while the only replica drains, and the request it is serving still completes', async () => {
    const stream = await client.completions.create({ model: SOLO, prompt: 'Long ago', max_tokens: 300, temperature: 0, stream: true, ...IGNORE_EOS });
    const chunks = stream[Symbol.asyncIterator]();
    await chunks.next();
    solo.kill('SIGTERM');
    await waitFor(async () => {
      const raw = await redisClient.get(workerKey(solo.id));
      return raw && parseWorkerRecord(raw).draining ? true : undefined;
    }, { timeoutMs: SETTLE_MS, what: 'draining published' });
    const err = await client.completions.create({ model: SOLO, prompt: 'hi', max_tokens: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err).toMatchObject({ status: 503, code: 'no_ready_replica' });
    expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('5');
    let finish: string | null = null;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) finish ??= next.value.choices[0]?.finish_reason ?? null;
    expect(finish).toBe('length');
    expect(await solo.process.exited).toBe(0);
    expect(await redisClient.get(workerKey(solo.id))).toBeNull();
    expect((await client.models.list()).data.map((m) => m.id)).toEqual([MODEL]);
  });
});

describe('rate limits through the stack', () => {
  it("429 with Retry-After for a team over its requests/min while another team's requests pass", async () => {
    const small = await teamClient({ name: 'small', limits: { requests_per_minute: 2 } } as { name: string });
    const big = await teamClient({ name: 'big' });
    const ask = (c: OpenAI) => c.completions.create({ model: MODEL, prompt: 'hi', max_tokens: 1 });
    await ask(small);
    await ask(big);
    await ask(small);
    const err = await ask(small).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toMatchObject({ code: 'rate_limit_exceeded' });
    const retryAfter = Number((err as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30);
    for (let i = 0; i < 3; i++) expect((await ask(big)).choices).toHaveLength(1);
  });
});

describe('a client that disconnects mid-stream', () => {
  it('has its request aborted on the worker within one engine step', async () => {
    const tokensBefore = await sumOver(workers, 'tessera_generation_tokens_total');
    const abortsBefore = await sumOver(workers, 'tessera_request_success_total', { finish_reason: 'abort' });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: MODEL, messages: MESSAGES, max_completion_tokens: 900, temperature: 0, logprobs: true, stream: true, ...IGNORE_EOS },
      { signal: controller.signal },
    );
    const chunks = stream[Symbol.asyncIterator]();
    let received = 0;
    const read = async () => {
      const next = await chunks.next();
      if (!next.done) received += next.value.choices[0]?.logprobs?.content?.length ?? 0;
      return next;
    };
    while (received < 3) await read();
    const serving = await servingWorker();
    // Freeze the worker so its progress stops at a known point, take every token
    // it had sent, then disconnect while it cannot step.
    serving.kill('SIGSTOP');
    try {
      for (let idle = false; !idle; ) idle = (await Promise.race([read().then(() => false), sleep(500).then(() => true)])) === true;
      controller.abort();
      const inFlight = gw.app.get(InFlightTracker);
      await waitFor(() => (inFlight.view.size === 0 ? true : undefined), { timeoutMs: SETTLE_MS, what: 'the gateway to cancel its worker call' });
      await sleep(50);
    } finally {
      serving.kill('SIGCONT');
    }
    await waitFor(async () => {
      const s = await serving.stats();
      return s.running === 0 && s.waiting === 0 && s.kvUsage === 0 ? true : undefined;
    }, { timeoutMs: SETTLE_MS, what: 'the worker to free the request' });
    expect(await sumOver(workers, 'tessera_request_success_total', { finish_reason: 'abort' })).toBe(abortsBefore + 1);
    // What the worker generated beyond what the client saw: at most the step in
    // flight when it froze plus one token not yet flushed; never a further step.
    const generated = (await sumOver(workers, 'tessera_generation_tokens_total')) - tokensBefore;
    expect(generated).toBeGreaterThanOrEqual(received);
    expect(generated - received).toBeLessThanOrEqual(2);
  });
});

describe('a replica that freezes mid-stream', () => {
  it('is found out by HTTP/2 keepalive: the call fails as unavailable instead of hanging', async () => {
    const grpcClient = new GrpcWorkerClient({ keepaliveTimeMs: 250, keepaliveTimeoutMs: 250 });
    const target = workers[0];
    const params = { temperature: 0, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1, presencePenalty: 0, frequencyPenalty: 0, maxTokens: 900, stop: [], stopTokenIds: [], ignoreEos: true, logprobs: 0, n: 1 };
    const request = { requestId: 'freeze-me', text: 'Once', addSpecial: true, priority: 0, params };
    const events = grpcClient.generate(target.ready.address, request, new AbortController().signal)[Symbol.asyncIterator]();
    for (let tokens = 0; tokens < 2; ) if ((await events.next()).value?.event === 'token') tokens++;
    target.kill('SIGSTOP');
    const frozenAt = Date.now();
    try {
      const rest = (async () => {
        for (let next = await events.next(); !next.done; next = await events.next());
        return 'the stream ended';
      })();
      await expect(rest).rejects.toBeInstanceOf(WorkerUnavailableError);
      expect(Date.now() - frozenAt).toBeLessThan(2500);
    } finally {
      target.kill('SIGCONT');
      grpcClient.onApplicationShutdown();
    }
    // Back to normal: the request is gone from the engine and the heartbeat resumed.
    await waitFor(async () => {
      const s = await target.stats();
      return s.running === 0 && (await redisClient.exists(workerKey(target.id))) === 1 ? true : undefined;
    }, { timeoutMs: SETTLE_MS, what: 'the thawed worker to be idle and registered' });
  });
});

describe('a replica killed mid-stream', () => {
  it('ends the stream with an error event, serves new requests from the survivor and leaves the registry within the TTL', async () => {
    const stream = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_completion_tokens: 900, temperature: 0, stream: true, ...IGNORE_EOS });
    const chunks = stream[Symbol.asyncIterator]();
    await chunks.next();
    const victim = await servingWorker();
    const survivor = workers.find((w) => w !== victim)!;
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    // No heartbeat refreshes the record any more: Redis drops it within the TTL.
    expect(await redisClient.pttl(workerKey(victim.id))).toBeLessThanOrEqual(TTL_MS);
    const expired = waitFor(async () => ((await redisClient.exists(workerKey(victim.id))) === 0 ? Date.now() : undefined), { timeoutMs: TTL_MS + 1000, what: 'the dead worker to expire' });
    expired.catch(() => undefined); // awaited below
    const rest = (async () => {
      for (let next = await chunks.next(); !next.done; next = await chunks.next());
      return 'the stream ended without an error';
    })();
    await expect(rest).rejects.toMatchObject({ code: 'worker_failed' });

    const servedBefore = await survivor.metric('tessera_request_success_total');
    for (let i = 0; i < 3; i++) {
      const res = await client.chat.completions.create({ model: MODEL, messages: MESSAGES, max_completion_tokens: 2, ...IGNORE_EOS });
      expect(res.choices[0].finish_reason).toBe('length');
    }
    expect(await survivor.metric('tessera_request_success_total')).toBe(servedBefore + 3);

    expect((await expired) - killedAt).toBeLessThanOrEqual(TTL_MS + 300);
    expect(await redisClient.zrangebyscore(modelWorkersKey(MODEL), Date.now(), '+inf')).toEqual([survivor.id]);
    expect((await client.models.list()).data.map((m) => m.id)).toEqual([MODEL]);
  });
});
