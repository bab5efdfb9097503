import { credentials, loadPackageDefinition, type Client, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { INFERENCE_PROTO_PATH } from '@tessera/contracts';
import { INFERENCE_LOADER_OPTIONS } from '../grpc/inference-proto';

/** Decoded GenerateEvent: one of the members is set; `event` names it. */
export interface GenerateEvent {
  event: 'started' | 'token' | 'finished' | 'error';
  started?: { promptTokens: number; cachedTokens: number };
  token?: { index: number; tokenId: number; text: string; logprob: number; top: { tokenId: number; text: string; logprob: number }[]; tokenText: string };
  finished?: { index: number; finishReason: string; completionTokens: number; text: string; error: string; cachedTokens: number; timeToFirstTokenMs: number; e2eLatencyMs: number };
  error?: { code: string; message: string; param: string };
}

type Unary = (req: object, cb: (err: ServiceError | null, res: any) => void) => void;

/** A real @grpc/grpc-js client of the Inference service, as the gateway would build it. */
export class InferenceTestClient {
  readonly raw: Client & Record<string, Unary> & { Generate(req: object): ClientReadableStream<GenerateEvent> };

  constructor(address: string) {
    const pkg = loadPackageDefinition(loadSync(INFERENCE_PROTO_PATH, INFERENCE_LOADER_OPTIONS)) as any;
    this.raw = new pkg.tessera.inference.v1.Inference(address, credentials.createInsecure());
  }

  generateStream(req: object): ClientReadableStream<GenerateEvent> {
    return this.raw.Generate(req);
  }

  /** All events of one Generate call; rejects with the ServiceError if the call fails. */
  generate(req: object): Promise<GenerateEvent[]> {
    return new Promise((resolve, reject) => {
      const events: GenerateEvent[] = [];
      const call = this.raw.Generate(req);
      call.on('data', (e: GenerateEvent) => events.push(e));
      call.on('error', reject);
      call.on('end', () => resolve(events));
    });
  }

  /**
   * Starts a Generate call and resolves once its first token arrives, so a
   * test can act on a request that is known to be running. `events` keeps
   * filling; `ended` settles with the call.
   */
  async streamUntilFirstToken(req: object): Promise<{ events: GenerateEvent[]; ended: Promise<void> }> {
    const call = this.raw.Generate(req);
    const events: GenerateEvent[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      call.on('end', resolve);
      call.on('error', reject);
    });
    await new Promise<void>((resolve) =>
      call.on('data', (e: GenerateEvent) => {
        events.push(e);
        if (e.token) resolve();
      }),
    );
    return { events, ended };
  }

  call<T = any>(method: 'Abort' | 'Tokenize' | 'Detokenize' | 'Health' | 'Stats', req: object = {}): Promise<T> {
    return new Promise((resolve, reject) => this.raw[method](req, (err, res) => (err ? reject(err) : resolve(res as T))));
  }

  close(): void {
    this.raw.close();
  }
}

/** Token ids of completion `index`, in order. */
export function tokenIds(events: GenerateEvent[], index = 0): number[] {
  return events.filter((e) => e.token && e.token.index === index).map((e) => e.token!.tokenId);
}

export function finishedOf(events: GenerateEvent[], index = 0): NonNullable<GenerateEvent['finished']> | undefined {
  return events.find((e) => e.finished && e.finished.index === index)?.finished;
}
