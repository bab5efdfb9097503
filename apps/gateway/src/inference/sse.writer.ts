import { Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { once } from 'node:events';
import { describeForLog, toErrorResponse } from '../common/error-response';
import { InferenceResult } from './inference-result';

const logger = new Logger('SSE');

/**
 * Sends an inference result. Streams are Server-Sent Events ending in
 * `data: [DONE]`; a failure after the stream started is sent as a last
 * `data: {"error": ...}` event before [DONE], so clients always see why.
 */
export async function sendInferenceResult(reply: FastifyReply, result: InferenceResult): Promise<void> {
  if (result.kind === 'json') {
    await reply.status(200).send(result.body);
    return;
  }
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  try {
    for await (const chunk of result.chunks) {
      if (raw.destroyed) return;
      if (!raw.write(`data: ${JSON.stringify(chunk)}\n\n`)) await Promise.race([once(raw, 'drain'), once(raw, 'close')]);
    }
    raw.end('data: [DONE]\n\n');
  } catch (err) {
    const response = toErrorResponse(err);
    if (response.unexpected) logger.error(describeForLog(err));
    if (!raw.destroyed) {
      raw.write(`data: ${JSON.stringify(response.body)}\n\n`);
      raw.end('data: [DONE]\n\n');
    }
  } finally {
    result.close();
  }
}
