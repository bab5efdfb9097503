// Real quantizer workers in this test process: the quantizer's own Nest module
// against the test's Redis and store. (Tests may reach into another app; the
// gateway's code never does.)

import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadQuantizerConfig } from '../../../../quantizer/src/config/quantizer-config';
import { QuantizerModule } from '../../../../quantizer/src/quantizer.module';

export async function startInProcessQuantizer(env: Record<string, string>): Promise<INestApplicationContext> {
  const config = loadQuantizerConfig({
    QUANT_THREADS: '2',
    QUANT_EVAL_CTX: '64',
    QUANT_EVAL_CHUNKS: '3',
    QUANT_EVAL_GEN_TOKENS: '4',
    QUANT_LOCK_MS: '5000',
    QUANT_STALLED_MS: '2000',
    ...env,
  });
  const app = await NestFactory.createApplicationContext(QuantizerModule.forRoot(config), { logger: false });
  await app.init();
  return app;
}
