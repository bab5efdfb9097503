// Server-Sent Events on a hijacked Fastify reply, shared by the inference
// streams and the quantization event streams: the same headers (no proxy
// buffering), and the same ending whether a stream succeeds or fails, so a
// client always reads `data: [DONE]` last and, on a failure, the typed error
// body just before it.

import type { ServerResponse } from 'node:http';
import type { Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { describeForLog, toErrorResponse } from './error-response';

/** Takes the response over from Fastify and sends the event-stream headers. */
export function openEventStream(reply: FastifyReply): ServerResponse {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  return raw;
}

export function endEventStream(raw: ServerResponse): void {
  if (!raw.destroyed) raw.end('data: [DONE]\n\n');
}

/** A failure after the stream started: its error body as a last event, then [DONE]; unexpected ones are logged. */
export function endEventStreamWithError(raw: ServerResponse, err: unknown, logger: Logger): void {
  const response = toErrorResponse(err);
  if (response.unexpected) logger.error(describeForLog(err));
  if (raw.destroyed) return;
  raw.write(`data: ${JSON.stringify(response.body)}\n\n`);
  raw.end('data: [DONE]\n\n');
}
