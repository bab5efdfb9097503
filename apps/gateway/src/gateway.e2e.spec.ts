import OpenAI from 'openai';
import Redis from 'ioredis';
import { FakeWorker } from './test-utils/fake-worker';
import { GatewayHarness, startGateway, TEST_ADMIN_KEY } from './test-utils/gateway-harness';
import { freePort } from '@tessera/testing';
import { workerRecord, writeWorkerRecord } from './test-utils/registry-writer';

/**
 * The gateway with real Redis and in-process fake gRPC workers, driven by the
 * official openai client and by raw HTTP for every error status.
 */
describe('gateway (real Redis, fake workers)', () => {
  let gw: GatewayHarness;
  let redis: Redis;
  let memberKey: string;
  let client: OpenAI;
  const workers: FakeWorker[] = [];

  const promptOf = (content: string) => FakeWorker.render([{ role: 'user', content }]).length;
  const expected = (n: number, index = 0) => Array.from({ length: n }, (_, k) => FakeWorker.tokenText(k, index)).join('');

  async function worker(options: Omit<ConstructorParameters<typeof FakeWorker>[0], 'redisUrl'>): Promise<FakeWorker> {
    const w = await new FakeWorker({ ...options, redisUrl: gw.redis.url }).start();
    workers.push(w);
    return w;
  }

  async function createKey(team: string, role = 'member'): Promise<string> {
    const res = await gw.request('POST', '/v1/admin/keys', { key: TEST_ADMIN_KEY, body: { team, role } });
    expect(res.status).toBe(201);
    return res.body.key as string;
  }

  async function createTeam(body: object): Promise<void> {
    const res = await gw.request('POST', '/v1/admin/teams', { key: TEST_ADMIN_KEY, body });
    expect(res.status).toBe(201);
  }

  beforeAll(async () => {
    gw = await startGateway({ BODY_LIMIT_BYTES: '65536' });
    redis = new Redis(gw.redis.url);
    await worker({ id: 'micro-1', model: 'micro' });
    await worker({ id: 'slow-1', model: 'slow', tokenDelayMs: 150, naturalLength: 40 });
    await worker({ id: 'broken-1', model: 'broken', breakAfterTokens: 2 });
    await worker({ id: 'cold-1', model: 'cold', ready: false });
    await createTeam({ name: 'acme' });
    memberKey = await createKey('acme');
    client = new OpenAI({ apiKey: memberKey, baseURL: `${gw.baseUrl}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    for (const w of workers) await w.stop();
    redis.disconnect();
    await gw.close();
  });

  describe('with the openai client', () => {
    it('answers a chat completion with OpenAI usage and finish_reason', async () => {
      const res = await client.chat.completions.create({ model: 'micro', messages: [{ role: 'user', content: 'hi' }] });
      expect(res.object).toBe('chat.completion');
      expect(res.id).toMatch(/^chatcmpl-/);
      expect(res.model).toBe('micro');
      expect(res.choices).toEqual([{ index: 0, message: { role: 'assistant', content: expected(5), refusal: null }, logprobs: null, finish_reason: 'stop' }]);
      expect(res.usage).toMatchObject({ prompt_tokens: promptOf('hi'), completion_tokens: 5, total_tokens: promptOf('hi') + 5 });
    });

    it('stops at max_tokens with finish_reason length and forwards sampling parameters', async () => {
      const res = await client.chat.completions.create({
        model: 'micro',
        messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }],
        max_completion_tokens: 3,
        temperature: 0.5,
        top_p: 0.9,
        seed: 42,
        presence_penalty: 0.5,
        frequency_penalty: -0.5,
        stop: ['zzz'],
        // vLLM extensions pass through the client as extra body fields.
        ...({ top_k: 7, min_p: 0.1, repetition_penalty: 1.2 } as object),
      });
      expect(res.choices[0].finish_reason).toBe('length');
      expect(res.choices[0].message.content).toBe(expected(3));
      expect(res.usage?.completion_tokens).toBe(3);
      const sent = workers[0].requests.at(-1)!;
      expect(sent.params).toMatchObject({ maxTokens: 3, topK: 7, seed: 42, stop: ['zzz'], n: 1 });
      expect(sent.params.temperature).toBeCloseTo(0.5);
      expect(sent.params.topP).toBeCloseTo(0.9);
      expect(sent.params.minP).toBeCloseTo(0.1);
      expect(sent.params.repetitionPenalty).toBeCloseTo(1.2);
      expect(sent.params.presencePenalty).toBeCloseTo(0.5);
      expect(sent.params.frequencyPenalty).toBeCloseTo(-0.5);
      expect('chat' in sent && sent.chat.messages).toEqual([
        { role: 'system', content: 'be brief', name: '' },
        { role: 'user', content: 'hi', name: '' },
      ]);
    });

    it('ends at a stop string', async () => {
      const res = await client.chat.completions.create({ model: 'micro', messages: [{ role: 'user', content: 'hi' }], stop: ' w2' });
      expect(res.choices[0].message.content).toBe(expected(2));
      expect(res.choices[0].finish_reason).toBe('stop');
    });

    it('returns n=2 distinct choices and counts both in usage', async () => {
      const res = await client.chat.completions.create({ model: 'micro', messages: [{ role: 'user', content: 'hi' }], n: 2, max_tokens: 4 });
      expect(res.choices.map((c) => c.index)).toEqual([0, 1]);
      expect(res.choices[0].message.content).toBe(expected(4, 0));
      expect(res.choices[1].message.content).toBe(expected(4, 1));
      expect(res.usage?.completion_tokens).toBe(8);
    });

    it('returns chat logprobs with top_logprobs', async () => {
      const res = await client.chat.completions.create({ model: 'micro', messages: [{ role: 'user', content: 'hi' }], logprobs: true, top_logprobs: 2, max_tokens: 2 });
      const content = res.choices[0].logprobs?.content;
      expect(content).toHaveLength(2);
      expect(content?.[0].token).toBe(' w0');
      expect(content?.[0].logprob).toBeCloseTo(-0.1);
      expect(content?.[0].bytes).toEqual([...Buffer.from(' w0')]);
      expect(content?.[1].top_logprobs.map((t) => t.token)).toEqual([' alt0', ' alt1']);
      expect(workers[0].requests.at(-1)!.params.logprobs).toBe(2);
    });

    it('streams a chat with a role chunk, deltas, finish and a usage chunk', async () => {
      const stream = await client.chat.completions.create({ model: 'micro', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
      expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(expected(5));
      expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id)).toBe(true);
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage).toMatchObject({ prompt_tokens: promptOf('hi'), completion_tokens: 5, total_tokens: promptOf('hi') + 5 });
      expect(chunks.at(-2)!.choices[0].finish_reason).toBe('stop');
      expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    });

    it('streams n=2 with one finish per choice', async () => {
      const stream = await client.chat.completions.create({ model: 'micro', messages: [{ role: 'user', content: 'hi' }], stream: true, n: 2, max_tokens: 3 });
      const text = ['', ''];
      const finishes: (string | null)[] = [null, null];
      for await (const chunk of stream) {
        for (const choice of chunk.choices) {
          text[choice.index] += choice.delta.content ?? '';
          if (choice.finish_reason) finishes[choice.index] = choice.finish_reason;
        }
      }
      expect(text).toEqual([expected(3, 0), expected(3, 1)]);
      expect(finishes).toEqual(['length', 'length']);
    });

    it('answers text completions, with logprobs, and streamed', async () => {
      const res = await client.completions.create({ model: 'micro', prompt: 'Once', max_tokens: 3, logprobs: 1 });
      expect(res.object).toBe('text_completion');
      expect(res.choices[0].text).toBe(expected(3));
      expect(res.choices[0].finish_reason).toBe('length');
      expect(res.choices[0].logprobs?.tokens).toEqual([' w0', ' w1', ' w2']);
      expect(res.choices[0].logprobs?.text_offset).toEqual([0, 3, 6]);
      expect(res.choices[0].logprobs?.top_logprobs?.[0]).toEqual({ ' alt0': expect.closeTo(-0.2, 5) });
      expect(res.usage).toEqual(expect.objectContaining({ prompt_tokens: 4, completion_tokens: 3, total_tokens: 7 }));
      const sent = workers[0].requests.at(-1)!;
      expect('text' in sent && sent.text).toBe('Once');

      const stream = await client.completions.create({ model: 'micro', prompt: [5, 6, 7], stream: true, stream_options: { include_usage: true } });
      let text = '';
      let usage;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.text ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe(expected(5));
      expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 5 });
    });

    it('lists and gets models, and 404s unknown ones', async () => {
      const list = await client.models.list();
      expect(list.data.map((m) => m.id)).toEqual(['broken', 'cold', 'micro', 'slow']);
      expect(list.data[0]).toMatchObject({ object: 'model', owned_by: 'tessera' });
      expect((await client.models.retrieve('micro')).id).toBe('micro');
      await expect(client.models.retrieve('nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    });
  });

  describe('tokenize', () => {
    it('tokenizes a prompt and messages and detokenizes', async () => {
      const a = await gw.request('POST', '/tokenize', { key: memberKey, body: { model: 'micro', prompt: 'abc' } });
      expect(a.status).toBe(200);
      expect(a.body).toEqual({ tokens: [97, 98, 99], count: 3, max_model_len: 256 });
      const b = await gw.request('POST', '/tokenize', { key: memberKey, body: { model: 'micro', messages: [{ role: 'user', content: 'hi' }] } });
      expect(b.body.count).toBe(promptOf('hi'));
      const c = await gw.request('POST', '/detokenize', { key: memberKey, body: { model: 'micro', tokens: [104, 105] } });
      expect(c.body).toEqual({ prompt: 'hi' });
    });
  });

  describe('errors in OpenAI shape', () => {
    const chat = (body: object, key = memberKey) => gw.request('POST', '/v1/chat/completions', { key, body: { model: 'micro', messages: [{ role: 'user', content: 'hi' }], ...body } });

    function expectError(res: { status: number; body: any }, status: number, code: string, param?: string | null) {
      expect(res.status).toBe(status);
      expect(Object.keys(res.body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(res.body.error.code).toBe(code);
      expect(typeof res.body.error.message).toBe('string');
      if (param !== undefined) expect(res.body.error.param).toBe(param);
    }

    it('400 for invalid and unknown parameters', async () => {
      expectError(await chat({ temperature: 3 }), 400, 'invalid_request_error', 'temperature');
      expectError(await chat({ n: 0 }), 400, 'invalid_request_error', 'n');
      expectError(await chat({ messages: [{ role: 'wizard', content: 'x' }] }), 400, 'invalid_request_error', 'messages[0].role');
      expectError(await chat({ frobnicate: true }), 400, 'invalid_request_error', 'frobnicate');
      expectError(await chat({ stream_options: { include_usage: true } }), 400, 'invalid_request_error', 'stream_options');
      expectError(await gw.request('POST', '/v1/completions', { key: memberKey, rawBody: '{not json' }), 400, 'invalid_request_error');
    });

    it('400 context_length_exceeded when the prompt does not fit', async () => {
      const res = await chat({ messages: [{ role: 'user', content: 'x'.repeat(300) }] });
      expectError(res, 400, 'context_length_exceeded');
      expect(res.body.error.message).toMatch(/maximum context length is 256/);
    });

    it('401 without a key, with a wrong key, and with a revoked key', async () => {
      expectError(await gw.request('GET', '/v1/models'), 401, 'invalid_api_key');
      expectError(await gw.request('GET', '/v1/models', { key: 'tsk-not-a-real-key-00000000000' }), 401, 'invalid_api_key');
      const key = await createKey('acme');
      expect((await gw.request('GET', '/v1/models', { key })).status).toBe(200);
      const id = (await gw.request('GET', '/v1/admin/keys', { key: TEST_ADMIN_KEY })).body.data.find((k: { prefix: string }) => key.startsWith(k.prefix)).id;
      expect((await gw.request('DELETE', `/v1/admin/keys/${id}`, { key: TEST_ADMIN_KEY })).body.revoked).toBe(true);
      expectError(await gw.request('GET', '/v1/models', { key }), 401, 'invalid_api_key');
    });

    it('403 for a member on the admin API and for a model outside the team allowlist', async () => {
      expectError(await gw.request('GET', '/v1/admin/keys', { key: memberKey }), 403, 'permission_denied');
      await createTeam({ name: 'restricted', allowed_models: ['slow'] });
      const key = await createKey('restricted');
      expectError(await chat({}, key), 403, 'permission_denied', 'model');
      const models = await gw.request('GET', '/v1/models', { key });
      expect(models.body.data.map((m: { id: string }) => m.id)).toEqual(['slow']);
    });

    it('404 for an unknown model and an unknown route', async () => {
      expectError(await chat({ model: 'no-such-model' }), 404, 'model_not_found', 'model');
      expectError(await gw.request('GET', '/v1/nothing-here', { key: memberKey }), 404, 'not_found');
    });

    it('413 for a body over BODY_LIMIT_BYTES', async () => {
      expectError(await chat({ messages: [{ role: 'user', content: 'x'.repeat(70_000) }] }), 413, 'payload_too_large');
    });

    it('429 with Retry-After when the requests/min bucket is empty', async () => {
      await createTeam({ name: 'tiny', limits: { requests_per_minute: 2 } });
      const key = await createKey('tiny');
      expect((await chat({ max_tokens: 1 }, key)).status).toBe(200);
      expect((await chat({ max_tokens: 1 }, key)).status).toBe(200);
      const res = await chat({ max_tokens: 1 }, key);
      expectError(res, 429, 'rate_limit_exceeded');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    });

    it('429 with Retry-After when the tokens/min bucket is in debt', async () => {
      await createTeam({ name: 'few-tokens', limits: { tokens_per_minute: 10 } });
      const key = await createKey('few-tokens');
      expect((await chat({}, key)).status).toBe(200); // ~24 tokens: the bucket goes into debt
      await new Promise((r) => setTimeout(r, 100)); // the debit is recorded after the response
      const res = await chat({}, key);
      expectError(res, 429, 'rate_limit_exceeded');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(1);
    });

    it('429 for a request started before Redis answered when Redis then refuses it, its worker call cancelled', async () => {
      await createTeam({ name: 'elsewhere', limits: { requests_per_minute: 60 } }); // small enough that nothing is taken ahead
      const key = await createKey('elsewhere');
      expect((await chat({ max_tokens: 1 }, key)).status).toBe(200);
      // Another gateway replica spends the bucket: this one still trusts Redis's last answer (99 left) and starts early.
      await redis.hset('tessera:rl:elsewhere:requests', 'level', '0', 'ts', String(Date.now() + 60_000));
      const slow = await worker({ id: 'glacial-1', model: 'glacial', tokenDelayMs: 3000 });
      const started = Date.now();
      const res = await chat({ model: 'glacial', max_tokens: 3 }, key);
      expectError(res, 429, 'rate_limit_exceeded');
      // Stopped when Redis refused, not after the first token (3 s).
      expect(Date.now() - started).toBeLessThan(2000);
      expect(slow.requests).toHaveLength(1);
      const requestId = slow.requests.at(-1)!.requestId;
      const deadline = Date.now() + 3000;
      while (!slow.cancelled.includes(requestId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(slow.cancelled).toContain(requestId);
    });

    it('a team served from requests taken ahead still gets no more than its requests per minute', async () => {
      await createTeam({ name: 'steady', limits: { requests_per_minute: 150 } }); // 3 taken per Redis call
      const key = await createKey('steady');
      const started = Date.now();
      let served = 0;
      for (;;) {
        const res = await chat({ max_tokens: 1 }, key);
        if (res.status !== 200) {
          expectError(res, 429, 'rate_limit_exceeded');
          break;
        }
        served++;
        expect(served).toBeLessThan(300);
      }
      const refilled = ((Date.now() - started) / 60_000) * 150;
      expect(served).toBeGreaterThanOrEqual(140);
      expect(served).toBeLessThanOrEqual(150 + Math.ceil(refilled));
    });

    it('429 queue_full with Retry-After beyond max concurrent + waiting', async () => {
      await createTeam({ name: 'narrow', limits: { max_concurrent: 1, max_waiting: 0 } });
      const key = await createKey('narrow');
      const first = gw.request('POST', '/v1/chat/completions', { key, body: { model: 'slow', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] } });
      await new Promise((r) => setTimeout(r, 150));
      const res = await gw.request('POST', '/v1/chat/completions', { key, body: { model: 'slow', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] } });
      expectError(res, 429, 'queue_full');
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await first).status).toBe(200);
    });

    it('503 with Retry-After when no replica is ready', async () => {
      const res = await chat({ model: 'cold' });
      expectError(res, 503, 'no_ready_replica');
      expect(res.headers.get('retry-after')).toBe('5');
    });
  });

  describe('routing and failures', () => {
    it('retries a replica that refuses connections on another replica', async () => {
      const good = await worker({ id: 'flaky-good', model: 'flaky', running: 5 });
      const deadPort = await freePort();
      // Idle, so the router picks it first; nothing listens there.
      await writeWorkerRecord(redis, workerRecord({ id: 'flaky-dead', address: `127.0.0.1:${deadPort}`, model: 'flaky' }, 60_000));
      const res = await client.chat.completions.create({ model: 'flaky', messages: [{ role: 'user', content: 'hi' }] });
      expect(res.choices[0].message.content).toBe(expected(5));
      expect(good.requests).toHaveLength(1);
      const metrics = await gw.request('GET', '/metrics');
      expect(metrics.text).toMatch(/tessera_gateway_replica_failures_total\{model="flaky"[^}]*\} 1/);
      // The failed replica is left alone until it heartbeats again (it never will): no second failure.
      await client.chat.completions.create({ model: 'flaky', messages: [{ role: 'user', content: 'hi' }] });
      expect(good.requests).toHaveLength(2);
      expect((await gw.request('GET', '/metrics')).text).toMatch(/tessera_gateway_replica_failures_total\{model="flaky"[^}]*\} 1/);
    });

    it('ends a stream that breaks after tokens with an SSE error event and [DONE]', async () => {
      const res = await gw.request('POST', '/v1/chat/completions', { key: memberKey, body: { model: 'broken', stream: true, messages: [{ role: 'user', content: 'hi' }] } });
      expect(res.status).toBe(200);
      const events = res.text.trim().split('\n\n').map((e) => e.replace(/^data: /, ''));
      expect(events.at(-1)).toBe('[DONE]');
      const error = JSON.parse(events.at(-2)!);
      expect(error.error.code).toBe('worker_failed');
      expect(events.filter((e) => e.includes('"content":" w')).length).toBe(2);
    });

    it('fails a non-streaming request that breaks mid-generation with 502', async () => {
      const res = await gw.request('POST', '/v1/chat/completions', { key: memberKey, body: { model: 'broken', messages: [{ role: 'user', content: 'hi' }] } });
      expect(res.status).toBe(502);
      expect(res.body.error.code).toBe('worker_failed');
    });

    it('cancels the worker call when the client disconnects', async () => {
      const slow = workers.find((w) => w.options.id === 'slow-1')!;
      const controller = new AbortController();
      const res = await fetch(`${gw.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${memberKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'slow', stream: true, messages: [{ role: 'user', content: 'long one' }] }),
        signal: controller.signal,
      });
      const reader = res.body!.getReader();
      await reader.read();
      const requestId = slow.requests.at(-1)!.requestId;
      controller.abort();
      const deadline = Date.now() + 3000;
      while (!slow.cancelled.includes(requestId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(slow.cancelled).toContain(requestId);
    });
  });

  describe('admin API', () => {
    it('never returns key secrets or hashes after creation', async () => {
      const created = await gw.request('POST', '/v1/admin/keys', { key: TEST_ADMIN_KEY, body: { team: 'acme', role: 'admin', name: 'ops' } });
      expect(created.body.key).toMatch(/^tsk-/);
      expect(created.body.prefix).toBe(created.body.key.slice(0, 10));
      const list = await gw.request('GET', '/v1/admin/keys', { key: TEST_ADMIN_KEY });
      expect(list.text).not.toContain(created.body.key);
      for (const key of list.body.data) expect(Object.keys(key).sort()).toEqual(['created', 'id', 'name', 'object', 'prefix', 'revoked', 'role', 'team']);
      // Nothing in Redis holds the plaintext either.
      const keys = await redis.keys('tessera:apikey*');
      const stored = await Promise.all(keys.map((k) => redis.type(k).then((t) => (t === 'hash' ? redis.hgetall(k).then(JSON.stringify) : redis.get(k)))));
      expect(stored.join('')).not.toContain(created.body.key);
    });

    it('updates team limits and allowlist', async () => {
      const res = await gw.request('PATCH', '/v1/admin/teams/acme', { key: TEST_ADMIN_KEY, body: { limits: { tokens_per_minute: 5000 } } });
      expect(res.status).toBe(200);
      expect(res.body.limits.tokens_per_minute).toBe(5000);
      const teams = await gw.request('GET', '/v1/admin/teams', { key: TEST_ADMIN_KEY });
      expect(teams.body.data.map((t: { id: string }) => t.id)).toContain('acme');
      expect((await gw.request('PATCH', '/v1/admin/teams/ghost', { key: TEST_ADMIN_KEY, body: {} })).status).toBe(404);
    });

    it('serves the OpenAPI description publicly', async () => {
      const doc = await gw.request('GET', '/docs/openapi.json');
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toBe('3.1.0');
      expect((await gw.request('GET', '/docs')).text).toContain('/v1/chat/completions');
    });
  });
});
