// Model uploads arrive as a raw `application/octet-stream` body. Fastify
// buffers only the types it has parsers for, so this parser hands the request
// stream itself to the route: a multi-gigabyte upload streams into the store
// without being held in memory, and the store enforces the size limit.

import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { ApiError } from '../common/api-error';

export const UPLOAD_CONTENT_TYPE = 'application/octet-stream';

export function registerUploadParser(fastify: FastifyInstance): void {
  if (fastify.hasContentTypeParser(UPLOAD_CONTENT_TYPE)) return;
  fastify.addContentTypeParser(UPLOAD_CONTENT_TYPE, (_request, payload, done) => done(null, payload));
}

/** The request body as a stream, or a 400 saying how to send it. */
export function uploadStream(body: unknown): Readable {
  if (body instanceof Readable) return body;
  throw ApiError.invalid(`Send the GGUF file as the raw request body with "Content-Type: ${UPLOAD_CONTENT_TYPE}".`);
}

const GGUF_MAGIC = 'GGUF';

/** Passes the bytes through, failing with a 400 unless they start like a GGUF file. */
export async function* requireGgufMagic(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let head = Buffer.alloc(0);
  let checked = false;
  for await (const chunk of source) {
    if (checked) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    if (head.length < GGUF_MAGIC.length) continue;
    if (head.subarray(0, GGUF_MAGIC.length).toString('latin1') !== GGUF_MAGIC) throw notGguf();
    checked = true;
    yield head;
  }
  if (!checked) throw notGguf();
}

function notGguf(): ApiError {
  return ApiError.invalid('The upload is not a GGUF file (it does not start with "GGUF"). Convert the model to GGUF first, e.g. with `tessera convert`.');
}
