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

/**
 * Writes one event and puts it on the wire now. Node's ServerResponse corks
 * the socket on each write until the next tick, so that a response's pieces
 * leave in one packet; but when the write happens inside a promise chain, that
 * tick comes only after every further event already at hand (the last token,
 * the finish, the teardown) has been handled, and the first token waits for
 * all of it. A stream wants each event out as soon as it exists: the time to
 * the first token is what a streaming client measures. Returns write()'s
 * answer (false: wait for 'drain').
 */
export function writeEvent(raw: ServerResponse, text: string): boolean {
  const ok = raw.write(text);
  if (raw.socket?.writableCorked) raw.socket.uncork();
  return ok;
}

export function endEventStream(raw: ServerResponse): void {
  if (!raw.destroyed) raw.end('data: [DONE]\n\n');
}

/** A failure after the stream started: its error body as a last event, then [DONE]; unexpected ones are logged. */
export function endEventStreamWithError(raw: ServerResponse, err: unknown, logger: Logger): void {
  const response = toErrorResponse(err);
  if (response.unexpected) logger.error(describeForLog(err));
  if (raw.destroyed) return;
  writeEvent(raw, `data: ${JSON.stringify(response.body)}\n\n`);
  raw.end('data: [DONE]\n\n');
}
