import { ErrorCode } from '@tessera/contracts';
import { ApiError } from '../common/api-error';
import { FinishedEvent, GenerateEvent, StartedEvent, TokenEvent } from '../workers/inference-messages';
import { WorkerUnavailableError } from '../workers/worker-client';

export type OutputEvent = { event: 'token'; token: TokenEvent } | { event: 'finished'; finished: FinishedEvent };

/** Token usage as OpenAI reports it. */
export interface Usage {
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
}

/** Maps an Error event from a worker to our error (unknown codes become worker_failed). */
export function workerErrorToApiError(error: { code: string; message: string; param?: string }): ApiError {
  const known = (Object.values(ErrorCode) as string[]).includes(error.code);
  const code = known ? (error.code as ErrorCode) : ErrorCode.WorkerFailed;
  return new ApiError(code, error.message || `The replica reported ${error.code}.`, error.param || null);
}

const midStreamFailure = (detail: string) =>
  new ApiError(ErrorCode.WorkerFailed, `The replica serving this request failed during generation (${detail}). Retry the request.`);

/**
 * A running request on one replica, after its first output event arrived:
 * iterate it for the rest. It counts usage as events pass, turns worker
 * failures into typed errors (a stream that just stops is an error too) and
 * runs `onClose` exactly once, however iteration ends.
 */
export class Generation implements AsyncIterable<OutputEvent> {
  readonly usage: Usage;
  private readonly tokensSeen = new Map<number, number>();
  private readonly finished = new Set<number>();
  private closed = false;

  constructor(
    readonly replicaId: string,
    started: StartedEvent | undefined,
    private readonly first: OutputEvent,
    private readonly rest: AsyncIterator<GenerateEvent>,
    private readonly n: number,
    private readonly signal: AbortSignal,
    private readonly onClose: (usage: Usage) => void,
  ) {
    this.usage = { promptTokens: started?.promptTokens ?? 0, cachedTokens: started?.cachedTokens ?? 0, completionTokens: 0 };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<OutputEvent> {
    try {
      yield this.track(this.first);
      while (this.finished.size < this.n) {
        let next: IteratorResult<GenerateEvent>;
        try {
          next = await this.rest.next();
        } catch (err) {
          if (err instanceof WorkerUnavailableError) throw midStreamFailure(err.message);
          throw err;
        }
        if (next.done) {
          if (this.signal.aborted) return;
          throw midStreamFailure('the stream ended before every completion finished');
        }
        const event = next.value;
        if (event.event === 'error') throw workerErrorToApiError(event.error);
        if (event.event === 'started') continue;
        yield this.track(event);
      }
    } finally {
      this.close();
    }
  }

  /** Frees the replica slot and charges usage; safe to call more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.rest.return?.();
    this.onClose(this.usage);
  }

  private track(event: OutputEvent): OutputEvent {
    if (event.event === 'token') {
      this.tokensSeen.set(event.token.index, (this.tokensSeen.get(event.token.index) ?? 0) + 1);
      return event;
    }
    const f = event.finished;
    if (f.finishReason === 'error' || f.finishReason === 'abort') {
      throw midStreamFailure(f.error || `completion ${f.index} ended with '${f.finishReason}'`);
    }
    if (!this.finished.has(f.index)) {
      this.finished.add(f.index);
      this.usage.completionTokens += f.completionTokens || (this.tokensSeen.get(f.index) ?? 0);
      // Started says 0: the prefix-cache hit is only known, and sent, with each Finished.
      this.usage.cachedTokens = Math.max(this.usage.cachedTokens, f.cachedTokens ?? 0);
    }
    return event;
  }
}
