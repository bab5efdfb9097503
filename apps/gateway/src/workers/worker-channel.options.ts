/**
 * How the gateway notices a replica that stops answering without closing its
 * connection (a frozen process, a node that vanished): HTTP/2 pings while calls
 * are open; no answer within the timeout fails those calls as unavailable.
 */
export interface WorkerChannelOptions {
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
}

export const DEFAULT_WORKER_CHANNEL_OPTIONS: Readonly<WorkerChannelOptions> = { keepaliveTimeMs: 10_000, keepaliveTimeoutMs: 5_000 };

/** DI token; without a provider the defaults apply. */
export const WORKER_CHANNEL_OPTIONS = Symbol('WORKER_CHANNEL_OPTIONS');
