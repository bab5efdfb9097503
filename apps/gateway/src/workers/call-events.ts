import type { ClientReadableStream } from '@grpc/grpc-js';
import { GenerateEvent } from './inference-messages';

/** Events buffered beyond this pause the call, so a slow HTTP client slows the worker (HTTP/2 flow control). */
const HIGH_WATER = 16;

/**
 * Pulls the events of a Generate call one by one. Unlike the stream's own
 * async iterator, leaving early does not destroy the stream (which builds an
 * AbortError with a stack trace per request): the caller decides whether to
 * cancel, and a call that ends afterwards ends quietly. Counts Finished events.
 */
export class CallEvents {
  private readonly buffered: GenerateEvent[] = [];
  private ended = false;
  private failure?: Error;
  private wake?: () => void;
  private finished = 0;

  constructor(private readonly call: ClientReadableStream<GenerateEvent>) {
    call.on('data', (event: GenerateEvent) => {
      if (event.event === 'finished') this.finished++;
      this.buffered.push(event);
      if (this.buffered.length >= HIGH_WATER) call.pause();
      this.wakeUp();
    });
    call.on('end', () => {
      this.ended = true;
      this.wakeUp();
    });
    // Always listened to: an error after the consumer left must not crash the process.
    call.on('error', (err: Error) => {
      this.failure = err;
      this.wakeUp();
    });
  }

  /** True once the call ended, normally or not. */
  get settled(): boolean {
    return this.ended || this.failure !== undefined;
  }

  /** True once `n` Finished events arrived: the worker has nothing left to do for this call. */
  complete(n: number): boolean {
    return this.finished >= Math.max(1, n);
  }

  /** The next event; undefined when the call ended normally; throws the call's error (buffered events first). */
  async next(): Promise<GenerateEvent | undefined> {
    for (;;) {
      const event = this.buffered.shift();
      if (event) {
        if (this.buffered.length < HIGH_WATER && this.call.isPaused()) this.call.resume();
        return event;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
