import { Module } from '@nestjs/common';
import { LimitsModule } from '../limits/limits.module';
import { ModelsController } from '../models/models.controller';
import { ModelsService } from '../models/models.service';
import { GrpcWorkerClient } from '../workers/grpc-worker.client';
import { WorkerClient } from '../workers/worker-client';
import { ChatService } from './chat.service';
import { CompletionService } from './completion.service';
import { GenerationService } from './generation.service';
import { InferenceController } from './inference.controller';
import { ModelAccessService } from './model-access.service';
import { TokenizeController } from './tokenize.controller';
import { TokenizeService } from './tokenize.service';

/** OpenAI-compatible inference: models, chat, completions, tokenize. */
@Module({
  imports: [LimitsModule],
  controllers: [InferenceController, ModelsController, TokenizeController],
  providers: [
    { provide: WorkerClient, useClass: GrpcWorkerClient },
    ModelAccessService,
    GenerationService,
    ChatService,
    CompletionService,
    TokenizeService,
    ModelsService,
  ],
  exports: [ModelAccessService],
})
export class InferenceModule {}
