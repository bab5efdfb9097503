import { ErrorCode } from '@tessera/contracts';
import { ApiError } from '../common/api-error';

/** Releases a slot; calling it twice is harmless. */
export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  fail: (err: Error) => void;
}

export class QueueAbortedError extends Error {
  readonly code = 'EQUEUEABORTED';
  constructor() {
    super('The client went away while the request waited for a slot.');
  }
}

/**
 * A bounded FIFO in front of a concurrency limit: up to `maxConcurrent`
 * holders, up to `maxWaiting` waiters, anything beyond is refused at once with
 * 429 queue_full. Waiters leave on abort (client gone) or after a timeout.
 */
export class WaitQueue {
  private running = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    private readonly maxConcurrent: number,
    private readonly maxWaiting: number,
    private readonly waitTimeoutMs: number,
  ) {}

  get numRunning(): number {
    return this.running;
  }

  get numWaiting(): number {
    return this.waiters.length;
  }

  get idle(): boolean {
    return this.running === 0 && this.waiters.length === 0;
  }

  /** A slot now if one is free and nobody waits for it; otherwise undefined (nothing queued). */
  tryAcquire(): Release | undefined {
    if (this.running >= this.maxConcurrent || this.waiters.length > 0) return undefined;
    this.running++;
    return this.releaser();
  }

  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(new QueueAbortedError());
    if (this.running < this.maxConcurrent && this.waiters.length === 0) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiters.length >= this.maxWaiting) {
      return Promise.reject(
        new ApiError(ErrorCode.QueueFull, `Too many requests in flight for this team and model (${this.maxConcurrent} running, ${this.maxWaiting} waiting). Retry later.`, null, 1),
      );
    }
    return new Promise<Release>((resolve, reject) => {
      const leave = (err: Error) => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        cleanup();
        reject(err);
      };
      const onAbort = () => leave(new QueueAbortedError());
      const timer = setTimeout(
        () => leave(new ApiError(ErrorCode.QueueFull, `Waited ${this.waitTimeoutMs} ms for a slot without getting one. Retry later.`, null, 1)),
        this.waitTimeoutMs,
      );
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: (release) => {
          cleanup();
          resolve(release);
        },
        fail: leave,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The slot passes straight to the next waiter: `running` stays the same.
      if (next) next.grant(this.releaser());
      else this.running--;
    };
  }
}
