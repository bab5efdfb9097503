import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { modelStoreProvider, MODEL_STORE } from './model-store.provider';
import { StoredModelsController } from './stored-models.controller';
import { StoredModelsService } from './stored-models.service';
import { registerUploadParser } from './upload-stream';

/** Uploads and the team's stored models; provides the store to the quantization API. */
@Module({
  controllers: [StoredModelsController],
  providers: [modelStoreProvider, StoredModelsService],
  exports: [MODEL_STORE],
})
export class StoredModelsModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    registerUploadParser(this.adapterHost.httpAdapter.getInstance<FastifyInstance>());
  }
}
