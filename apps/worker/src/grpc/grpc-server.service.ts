import {
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { Injectable, Logger } from '@nestjs/common';
import { WorkerConfig } from '../config/worker-config';
import type { GenerateRequestMessage, TokenizeRequestMessage } from '../inference/inference-messages';
import { InferenceService } from '../inference/inference.service';
import { RpcError } from '../inference/request-error';
import { loadInferenceService } from './inference-proto';

/**
 * The Inference gRPC service on plain @grpc/grpc-js (inside the Nest context):
 * we need the bound port when WORKER_PORT=0, the call's 'cancelled' event, and a
 * graceful tryShutdown while draining, all of which Nest's transport hides.
 */
@Injectable()
export class GrpcServer {
  private readonly logger = new Logger(GrpcServer.name);
  private server: Server | undefined;
  /** The port actually bound (WORKER_PORT or the free one picked for 0). */
  port = 0;

  constructor(
    private readonly config: WorkerConfig,
    private readonly inference: InferenceService,
  ) {}

  async start(): Promise<void> {
    const server = new Server();
    server.addService(loadInferenceService(), this.handlers());
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${this.config.host}:${this.config.port}`, ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    this.server = server;
    this.logger.log(`gRPC Inference service on ${this.config.host}:${this.port}`);
  }

  /** Lets open calls end (up to `graceMs`), then cuts whatever is left. */
  async stop(graceMs: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private handlers(): UntypedServiceImplementation {
    const s = this.inference;
    return {
      Generate: (call: ServerWritableStream<GenerateRequestMessage, unknown>) => void this.generate(call),
      Abort: unary((req: { requestId: string }) => ({ aborted: s.abort(req.requestId) })),
      Tokenize: unary((req: TokenizeRequestMessage) => s.tokenize(req)),
      Detokenize: unary((req: { tokens: number[] }) => s.detokenize(req.tokens ?? [])),
      Health: unary(() => s.healthReport()),
      Stats: unary(() => s.stats()),
    };
  }

  private async generate(call: ServerWritableStream<GenerateRequestMessage, unknown>): Promise<void> {
    const cancel = new AbortController();
    // The client (the gateway) went away: abort the engine request at its next step.
    call.on('cancelled', () => cancel.abort());
    try {
      for await (const event of this.inference.generate(call.request, cancel.signal)) {
        if (!cancel.signal.aborted) call.write(event);
      }
      if (!cancel.signal.aborted) call.end();
    } catch (err) {
      if (!cancel.signal.aborted) call.emit('error', toServiceError(err, this.logger));
    }
  }
}

function unary<Req, Res>(fn: (req: Req) => Res) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    try {
      callback(null, fn(call.request));
    } catch (err) {
      callback(toServiceError(err));
    }
  };
}

function toServiceError(err: unknown, logger?: Logger): Partial<ServiceError> {
  if (err instanceof RpcError) return { code: err.grpcCode, details: err.message, message: err.message };
  const message = (err as Error)?.message ?? String(err);
  logger?.error(`internal error: ${(err as Error)?.stack ?? message}`);
  return { code: status.INTERNAL, details: message, message };
}
