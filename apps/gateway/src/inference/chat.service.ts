import { Inject, Injectable } from '@nestjs/common';
import { chatAffinityKey } from '@tessera/cluster';
import { randomUUID } from 'node:crypto';
import { Principal } from '../auth/principal';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { Clock } from '../redis/clock';
import { ChatRequest } from './dto/chat-request.dto';
import { GenerationService } from './generation.service';
import { InferenceResult } from './inference-result';
import { buildChatCompletion, chatCompletionChunks, ResponseContext } from './response/chat-response.builder';

@Injectable()
export class ChatService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly generations: GenerationService,
    private readonly clock: Clock,
  ) {}

  async complete(request: ChatRequest, principal: Principal, signal: AbortSignal): Promise<InferenceResult> {
    const generation = await this.generations.start(
      principal,
      {
        model: request.model,
        prompt: { chat: { messages: request.messages, addGenerationPrompt: true } },
        params: request.params,
        addSpecial: false,
        affinityKey: chatAffinityKey(request.messages, this.config.affinityChars),
      },
      signal,
    );
    const ctx: ResponseContext = {
      id: `chatcmpl-${randomUUID().replace(/-/g, '')}`,
      created: Math.floor(this.clock.now() / 1000),
      model: request.model,
      n: request.params.n,
      logprobs: request.logprobs,
      includeUsage: request.streamOptions.includeUsage,
    };
    if (request.stream) return { kind: 'stream', chunks: chatCompletionChunks(generation, ctx), close: () => generation.close() };
    try {
      return { kind: 'json', body: await buildChatCompletion(generation, ctx) };
    } finally {
      generation.close();
    }
  }
}
