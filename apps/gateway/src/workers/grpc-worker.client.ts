import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { INFERENCE_PROTO_PATH } from '@tessera/contracts';
import { DetokenizeResponse, GenerateEvent, GenerateRequest, TokenizeRequest, TokenizeResponse } from './inference-messages';
import { DEFAULT_WORKER_CHANNEL_OPTIONS, WORKER_CHANNEL_OPTIONS, WorkerChannelOptions } from './worker-channel.options';
import { CallEvents } from './call-events';
import { WorkerClient, WorkerRejectedError, WorkerUnavailableError } from './worker-client';

/** proto-loader options shared by the gateway and its test worker. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

type InferenceClient = grpc.Client & {
  Generate(request: GenerateRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<GenerateEvent>;
  Tokenize(request: TokenizeRequest, callback: grpc.requestCallback<TokenizeResponse>): grpc.ClientUnaryCall;
  Tokenize(request: TokenizeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<TokenizeResponse>): grpc.ClientUnaryCall;
  Detokenize(request: { tokens: number[] }, options: grpc.CallOptions, callback: grpc.requestCallback<DetokenizeResponse>): grpc.ClientUnaryCall;
};

type InferenceClientClass = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => InferenceClient;

export function loadInferenceService(): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync(INFERENCE_PROTO_PATH, PROTO_LOADER_OPTIONS);
  const root = grpc.loadPackageDefinition(definition) as unknown as { tessera: { inference: { v1: { Inference: grpc.ServiceClientConstructor } } } };
  return root.tessera.inference.v1.Inference;
}

const UNARY_DEADLINE_MS = 30_000;
/** A call whose completions all finished is left to end by itself, but not forever. */
export const FINISHED_CALL_GRACE_MS = 5_000;

/** A refused argument is the caller's error; anything else means the replica could not answer. */
function unaryFailure(address: string, err: grpc.ServiceError | null): Error {
  if (err?.code === grpc.status.INVALID_ARGUMENT) return new WorkerRejectedError(address, err.details);
  return new WorkerUnavailableError(address, err?.details ?? 'empty response');
}

/** gRPC client per replica address, created on first use and kept (HTTP/2 multiplexes calls). */
@Injectable()
export class GrpcWorkerClient extends WorkerClient implements OnApplicationShutdown {
  private readonly Service = loadInferenceService() as unknown as InferenceClientClass;
  private readonly clients = new Map<string, InferenceClient>();
  private readonly channelOptions: grpc.ChannelOptions;

  constructor(@Optional() @Inject(WORKER_CHANNEL_OPTIONS) options: WorkerChannelOptions = DEFAULT_WORKER_CHANNEL_OPTIONS) {
    super();
    this.channelOptions = { 'grpc.keepalive_time_ms': options.keepaliveTimeMs, 'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs };
  }

  async *generate(address: string, request: GenerateRequest, signal: AbortSignal): AsyncIterable<GenerateEvent> {
    const call = this.client(address).Generate(request);
    const events = new CallEvents(call);
    // Once every completion has finished the worker is done and ends the call
    // itself: cancelling then would only cost a RST_STREAM and error objects on both sides.
    const cancel = () => {
      if (!events.complete(request.params.n)) call.cancel();
      else if (!events.settled) setTimeout(() => events.settled || call.cancel(), FINISHED_CALL_GRACE_MS).unref();
    };
    signal.addEventListener('abort', cancel, { once: true });
    try {
      for (let event = await events.next(); event; event = await events.next()) yield event;
    } catch (err) {
      if (signal.aborted) return;
      throw new WorkerUnavailableError(address, (err as grpc.ServiceError).details || (err as Error).message);
    } finally {
      signal.removeEventListener('abort', cancel);
      // Stopping early (consumer returned) must stop the worker too.
      cancel();
    }
  }

  tokenize(address: string, request: TokenizeRequest): Promise<TokenizeResponse> {
    return new Promise((resolve, reject) => {
      this.client(address).Tokenize(request, { deadline: Date.now() + UNARY_DEADLINE_MS }, (err, response) => {
        if (err || !response) reject(unaryFailure(address, err));
        else resolve(response);
      });
    });
  }

  detokenize(address: string, tokens: number[]): Promise<DetokenizeResponse> {
    return new Promise((resolve, reject) => {
      this.client(address).Detokenize({ tokens }, { deadline: Date.now() + UNARY_DEADLINE_MS }, (err, response) => {
        if (err || !response) reject(unaryFailure(address, err));
        else resolve(response);
      });
    });
  }

  onApplicationShutdown(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private client(address: string): InferenceClient {
    let client = this.clients.get(address);
    if (!client) {
      client = new this.Service(address, grpc.credentials.createInsecure(), this.channelOptions);
      this.clients.set(address, client);
    }
    return client;
  }
}
