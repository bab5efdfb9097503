import * as grpc from '@grpc/grpc-js';
import Redis from 'ioredis';
import { ErrorCode } from '@tessera/contracts';
import { loadInferenceService } from '../workers/grpc-worker.client';
import { ChatMessage, GenerateEvent, GenerateRequest, TokenizeRequest } from '../workers/inference-messages';
import { WorkerRecord } from '@tessera/contracts';
import { removeWorkerRecord, workerRecord, writeWorkerRecord } from './registry-writer';

export interface FakeWorkerOptions {
  id: string;
  model: string;
  redisUrl: string;
  maxModelLen?: number;
  /** Tokens after which the model "emits EOS" (finish_reason stop). */
  naturalLength?: number;
  /** Delay between tokens, to test disconnects and timing. */
  tokenDelayMs?: number;
  /** Break the stream (gRPC INTERNAL) after this many tokens. */
  breakAfterTokens?: number;
  /** Reported load, for routing tests. */
  running?: number;
  ready?: boolean;
}

/**
 * An in-process Inference server with a deterministic "model": the prompt is
 * tokenized one character per token (id = code point), output token k of
 * completion i is the word ` w<(k + 7i) mod 50>` (id 1000 + that number), with
 * logprob -(k+1)/10. It registers itself in Redis like a real worker.
 */
export class FakeWorker {
  readonly requests: GenerateRequest[] = [];
  readonly cancelled: string[] = [];
  address = '';
  private server = new grpc.Server();
  private redis!: Redis;
  private heartbeat?: NodeJS.Timeout;

  constructor(readonly options: FakeWorkerOptions) {}

  get maxModelLen(): number {
    return this.options.maxModelLen ?? 256;
  }

  static render(messages: ChatMessage[]): string {
    return messages.map((m) => `<${m.role}>${m.content}`).join('') + '<assistant>';
  }

  static tokenText(k: number, index: number): string {
    return ` w${(k + 7 * index) % 50}`;
  }

  async start(): Promise<this> {
    const Service = loadInferenceService();
    this.server.addService(Service.service, {
      Generate: (call: grpc.ServerWritableStream<GenerateRequest, GenerateEvent>) => void this.generate(call),
      Tokenize: (call: grpc.ServerUnaryCall<TokenizeRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const tokens = this.promptTokens(call.request);
        cb(null, { tokens, count: tokens.length, maxModelLen: this.maxModelLen });
      },
      Detokenize: (call: grpc.ServerUnaryCall<{ tokens: number[] }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        cb(null, { text: call.request.tokens.map((t) => (t >= 1000 ? FakeWorker.tokenText(t - 1000, 0) : String.fromCodePoint(t))).join('') });
      },
      Abort: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { aborted: false }),
      Health: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { live: true, ready: true, model: this.options.model, reason: '' }),
      Stats: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { model: this.options.model, running: 0, waiting: 0, kvUsage: 0, maxModelLen: this.maxModelLen }),
    });
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.address = `127.0.0.1:${port}`;
    this.redis = new Redis(this.options.redisUrl);
    await this.register();
    this.heartbeat = setInterval(() => void this.register().catch(() => undefined), 1000);
    return this;
  }

  /** Writes this replica's record (same schema as real workers) with a TTL. */
  async register(over: Partial<WorkerRecord> = {}): Promise<void> {
    const record = workerRecord({
      id: this.options.id,
      address: this.address,
      model: this.options.model,
      ready: this.options.ready ?? true,
      running: this.options.running ?? 0,
      maxModelLen: this.maxModelLen,
      ...over,
    });
    await writeWorkerRecord(this.redis, record);
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    await removeWorkerRecord(this.redis, this.options.id, this.options.model).catch(() => undefined);
    this.redis.disconnect();
    this.server.forceShutdown();
  }

  private promptTokens(request: { text?: string; tokens?: { ids: number[] }; chat?: { messages: ChatMessage[] } }): number[] {
    if (request.tokens) return request.tokens.ids;
    const text = request.chat ? FakeWorker.render(request.chat.messages) : (request.text ?? '');
    return [...text].map((c) => c.codePointAt(0)!);
  }

  private async generate(call: grpc.ServerWritableStream<GenerateRequest, GenerateEvent>): Promise<void> {
    const request = call.request;
    this.requests.push(request);
    let cancelled = false;
    call.on('cancelled', () => {
      cancelled = true;
      this.cancelled.push(request.requestId);
    });
    const params = request.params;
    const prompt = this.promptTokens(request as never);
    if (prompt.length + Math.max(params.maxTokens, 1) > this.maxModelLen) {
      const message = `This model's maximum context length is ${this.maxModelLen} tokens; the prompt has ${prompt.length} and ${params.maxTokens} more were requested.`;
      call.write({ error: { code: ErrorCode.ContextLengthExceeded, message, param: 'messages' } } as never);
      call.end();
      return;
    }
    call.write({ started: { promptTokens: prompt.length, cachedTokens: 0 } } as never);
    const limit = params.maxTokens > 0 ? params.maxTokens : this.maxModelLen - prompt.length;
    const natural = this.options.naturalLength ?? 5;
    const texts = Array.from({ length: params.n }, () => '');
    const done = Array.from({ length: params.n }, () => false);
    let sent = 0;
    for (let k = 0; !done.every(Boolean); k++) {
      for (let i = 0; i < params.n; i++) {
        if (done[i]) continue;
        if (this.options.tokenDelayMs) await new Promise((r) => setTimeout(r, this.options.tokenDelayMs));
        if (cancelled) return;
        if (this.options.breakAfterTokens !== undefined && sent >= this.options.breakAfterTokens) {
          call.emit('error', { code: grpc.status.INTERNAL, details: 'replica crashed' });
          return;
        }
        if (k >= natural || k >= limit) {
          call.write({ finished: { index: i, finishReason: k >= natural ? 'stop' : 'length', completionTokens: k, text: texts[i] } } as never);
          done[i] = true;
          continue;
        }
        let text = FakeWorker.tokenText(k, i);
        const stop = params.stop.find((s) => (texts[i] + text).includes(s));
        if (stop) text = (texts[i] + text).slice(0, (texts[i] + text).indexOf(stop)).slice(texts[i].length);
        texts[i] += text;
        const top = Array.from({ length: params.logprobs }, (_, j) => ({ tokenId: 2000 + j, text: ` alt${j}`, logprob: -(k + 2 + j) / 10 }));
        call.write({ token: { index: i, tokenId: 1000 + ((k + 7 * i) % 50), text, logprob: -(k + 1) / 10, top, tokenText: FakeWorker.tokenText(k, i) } } as never);
        sent++;
        if (stop) {
          call.write({ finished: { index: i, finishReason: 'stop', completionTokens: k + 1, text: texts[i] } } as never);
          done[i] = true;
        }
      }
    }
    call.end();
  }
}
