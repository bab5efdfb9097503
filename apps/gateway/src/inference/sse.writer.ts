import { Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { once } from 'node:events';
import { endEventStream, endEventStreamWithError, openEventStream, writeEvent } from '../common/event-stream';
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
  const raw = openEventStream(reply);
  try {
    for await (const chunk of result.chunks) {
      if (raw.destroyed) return;
      if (!writeEvent(raw, `data: ${JSON.stringify(chunk)}\n\n`)) await Promise.race([once(raw, 'drain'), once(raw, 'close')]);
    }
    endEventStream(raw);
  } catch (err) {
    endEventStreamWithError(raw, err, logger);
  } finally {
    result.close();
  }
}
