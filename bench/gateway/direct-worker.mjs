// The baseline: the same chat request sent straight to the worker's gRPC
// Generate, timed to the first token event and to the end of the stream.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { msSince } from './stats.mjs';

// The options the gateway and the worker use (apps/worker/src/grpc/inference-proto.ts).
const LOADER_OPTIONS = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

/** A client of the worker at `address`; `generate(messages, maxTokens)` resolves with { ttftMs, totalMs }. */
export function directWorkerClient(root, address) {
  const definition = protoLoader.loadSync(join(root, 'libs', 'contracts', 'proto', 'inference.proto'), LOADER_OPTIONS);
  const Inference = grpc.loadPackageDefinition(definition).tessera.inference.v1.Inference;
  const client = new Inference(address, grpc.credentials.createInsecure());
  return {
    generate(messages, maxTokens) {
      const request = {
        requestId: randomUUID(),
        chat: { messages, addGenerationPrompt: true },
        params: { temperature: 0, topP: 1, maxTokens, n: 1 },
        priority: 0,
        addSpecial: false,
      };
      return new Promise((resolve, reject) => {
        const start = process.hrtime.bigint();
        let ttftMs;
        const call = client.Generate(request);
        call.on('data', (event) => {
          if (event.event === 'token' && ttftMs === undefined) ttftMs = msSince(start);
          if (event.event === 'error') reject(new Error(`worker error ${event.error.code}: ${event.error.message}`));
        });
        call.on('error', (err) => reject(err));
        call.on('end', () => (ttftMs === undefined ? reject(new Error('the worker sent no token')) : resolve({ ttftMs, totalMs: msSince(start) })));
      });
    },
    close: () => client.close(),
  };
}
