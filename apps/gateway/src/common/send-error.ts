import type { FastifyReply } from 'fastify';
import { ErrorResponse } from './error-response';

/**
 * Writes an error response. If a stream already started (headers sent), the
 * error goes out as a final SSE event followed by [DONE]: never a silent cut.
 */
export function sendErrorReply(reply: FastifyReply, response: ErrorResponse): void {
  const raw = reply.raw;
  if (raw.headersSent) {
    if (!raw.writableEnded) {
      raw.write(`data: ${JSON.stringify(response.body)}\n\n`);
      raw.end('data: [DONE]\n\n');
    }
    return;
  }
  const retryAfter = response.retryAfterSeconds === undefined ? undefined : String(Math.max(1, Math.ceil(response.retryAfterSeconds)));
  if (reply.sent) {
    // Hijacked for streaming but nothing written yet: answer on the raw socket.
    raw.writeHead(response.status, { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) });
    raw.end(JSON.stringify(response.body));
    return;
  }
  if (retryAfter !== undefined) reply.header('Retry-After', retryAfter);
  void reply.status(response.status).type('application/json').send(response.body);
}
