import { Inject, Injectable } from '@nestjs/common';
import { textAffinityKey } from '@tessera/cluster';
import { randomUUID } from 'node:crypto';
import { Principal } from '../auth/principal';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { Clock } from '../redis/clock';
import { CompletionRequest } from './dto/completion-request.dto';
import { GenerationService } from './generation.service';
import { InferenceResult } from './inference-result';
import { ResponseContext } from './response/chat-response.builder';
import { buildCompletion, completionChunks } from './response/completion-response.builder';

@Injectable()
export class CompletionService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly generations: GenerationService,
    private readonly clock: Clock,
  ) {}

  async complete(request: CompletionRequest, principal: Principal, signal: AbortSignal): Promise<InferenceResult> {
    const prompt = typeof request.prompt === 'string' ? { text: request.prompt } : { tokens: { ids: request.prompt } };
    const generation = await this.generations.start(
      principal,
      { model: request.model, prompt, params: request.params, addSpecial: true, affinityKey: textAffinityKey(request.prompt, this.config.affinityChars) },
      signal,
    );
    const ctx: ResponseContext = {
      id: `cmpl-${randomUUID().replace(/-/g, '')}`,
      created: Math.floor(this.clock.now() / 1000),
      model: request.model,
      n: request.params.n,
      logprobs: request.logprobs,
      includeUsage: request.streamOptions.includeUsage,
    };
    if (request.stream) return { kind: 'stream', chunks: completionChunks(generation, ctx), close: () => generation.close() };
    try {
      return { kind: 'json', body: await buildCompletion(generation, ctx) };
    } finally {
      generation.close();
    }
  }
}
