import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { QuantizerConfigError, loadQuantizerConfig } from './config/quantizer-config';
import { QuantizerModule } from './quantizer.module';

/** Boots the quantizer from the environment; SIGTERM/SIGINT let running jobs finish, then exit 0. */
export async function main(): Promise<void> {
  const logger = new Logger('quantizer');
  let config;
  try {
    config = loadQuantizerConfig(process.env);
  } catch (err) {
    if (!(err instanceof QuantizerConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  const app = await NestFactory.createApplicationContext(QuantizerModule.forRoot(config), { abortOnError: false, logger: ['log', 'warn', 'error'] });
  const shutdown = (signal: string) => {
    logger.log(`${signal} received: finishing running jobs`);
    app
      .close()
      .then(() => process.exit(0))
      .catch((err: Error) => {
        logger.error(`shutdown failed: ${err.message}`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  await app.init();
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`quantizer: boot failed: ${err.message}\n`);
    process.exit(1);
  });
}
