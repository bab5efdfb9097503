import 'reflect-metadata';
import { Logger, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppModule } from './app.module';
import { describeForLog, toErrorResponse } from './common/error-response';
import { OpenAiExceptionFilter } from './common/openai-exception.filter';
import { sendErrorReply } from './common/send-error';
import { GatewayConfig } from './config/gateway.config';
import { GatewayMetrics } from './metrics/gateway.metrics';

export interface CreateGatewayOptions {
  logger?: LoggerService | LogLevel[] | false;
}

/** Builds the gateway application (not listening yet): used by main.ts and by tests. */
export async function createGatewayApp(config: GatewayConfig, options: CreateGatewayOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimitBytes });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: options.logger ?? ['log', 'warn', 'error'],
    abortOnError: false,
  });
  app.useGlobalFilters(new OpenAiExceptionFilter());
  const fastify = app.getHttpAdapter().getInstance();
  const logger = new Logger('Errors');
  const metrics = app.get(GatewayMetrics);
  fastify.addHook('onResponse', async (req, reply) => {
    metrics.requests.inc({ route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });
  app.enableShutdownHooks();
  return app;
}
