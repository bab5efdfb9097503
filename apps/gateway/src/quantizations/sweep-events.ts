// GET /v1/quantizations/{id}/events: Server-Sent Events with the sweep's view
// each time it changes (state, progress, results), until nothing will change
// any more; then `data: [DONE]`. The view is re-read from Redis every
// POLL_MS, which also makes the stream survive gateway restarts and work
// whichever quantizer runs the jobs. A comment line keeps idle proxies open.

import type { FastifyReply } from 'fastify';
import { Logger } from '@nestjs/common';
import { endEventStream, endEventStreamWithError, openEventStream, writeEvent } from '../common/event-stream';

export interface SweepEventOptions {
  readonly pollMs: number;
  readonly heartbeatMs: number;
}

export const DEFAULT_SWEEP_EVENT_OPTIONS: SweepEventOptions = { pollMs: 250, heartbeatMs: 15_000 };

const logger = new Logger('SweepEvents');

export async function streamSweepEvents(reply: FastifyReply, read: () => Promise<{ readonly done: boolean }>, opts = DEFAULT_SWEEP_EVENT_OPTIONS): Promise<void> {
  const raw = openEventStream(reply);
  const closed = new Promise<void>((resolve) => raw.once('close', resolve));
  let last = '';
  let lastWrite = Date.now();
  try {
    while (!raw.destroyed) {
      const view = await read();
      const json = JSON.stringify(view);
      if (json !== last) {
        writeEvent(raw, `data: ${json}\n\n`);
        [last, lastWrite] = [json, Date.now()];
      } else if (Date.now() - lastWrite >= opts.heartbeatMs) {
        writeEvent(raw, ': keep-alive\n\n');
        lastWrite = Date.now();
      }
      if (view.done) break;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.pollMs)))]);
      clearTimeout(timer);
    }
    endEventStream(raw);
  } catch (err) {
    endEventStreamWithError(raw, err, logger);
  }
}
