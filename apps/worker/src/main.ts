import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError } from './config/config-error';
import { WorkerConfig } from './config/worker-config';
import { WorkerLifecycle } from './lifecycle/worker-lifecycle.service';
import { WorkerModule } from './worker.module';

/** Boots one inference worker from the environment; SIGTERM/SIGINT drain it and exit 0. */
async function main(): Promise<void> {
  const logger = new Logger('worker');
  let config: WorkerConfig;
  try {
    config = WorkerConfig.fromEnv(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { abortOnError: false, logger: ['log', 'warn', 'error'] });
  const lifecycle = app.get(WorkerLifecycle);

  const shutdown = (signal: string) => {
    logger.log(`${signal} received`);
    lifecycle
      .drain()
      .then(() => app.close())
      .then(() => process.exit(0))
      .catch((err: Error) => {
        logger.error(`shutdown failed: ${err.stack ?? err.message}`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  try {
    await lifecycle.start();
  } catch (err) {
    logger.error(`boot failed: ${(err as Error).message}`);
    await lifecycle.drain().catch(() => undefined);
    process.exit(1);
  }
}

void main();
