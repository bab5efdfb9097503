import { Controller, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Role } from '../auth/role';
import { RequireRole } from '../auth/route-access.decorator';
import { ValidBody } from '../common/validation/parse-body.pipe';
import { ChatService } from './chat.service';
import { ClientSignal } from './client-signal.decorator';
import { CompletionService } from './completion.service';
import { ChatRequest, parseChatRequest } from './dto/chat-request.dto';
import { CompletionRequest, parseCompletionRequest } from './dto/completion-request.dto';
import { sendInferenceResult } from './sse.writer';

/** OpenAI-compatible generation endpoints. */
@Controller('v1')
export class InferenceController {
  constructor(
    private readonly chat: ChatService,
    private readonly completions: CompletionService,
  ) {}

  @Post('chat/completions')
  @RequireRole(Role.Member)
  async chatCompletions(
    @ValidBody(parseChatRequest) body: ChatRequest,
    @CurrentPrincipal() principal: Principal,
    @ClientSignal() signal: AbortSignal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await sendInferenceResult(reply, await this.chat.complete(body, principal, signal));
  }

  @Post('completions')
  @RequireRole(Role.Member)
  async textCompletions(
    @ValidBody(parseCompletionRequest) body: CompletionRequest,
    @CurrentPrincipal() principal: Principal,
    @ClientSignal() signal: AbortSignal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await sendInferenceResult(reply, await this.completions.complete(body, principal, signal));
  }
}
