import { Clock } from '../redis/clock';

export interface ReadThroughCacheOptions {
  /** A found value is never served older than this (its age counts from the start of the read that found it). */
  maxAgeMs: number;
  /** From this age on, a hit still answers at once and starts a read in the background. */
  refreshAfterMs: number;
  /** Bound on entries, so a flood of distinct keys cannot grow memory without limit. */
  maxEntries: number;
}

/**
 * Values read from Redis for the request path, reused for a bounded time.
 * Under steady traffic a hot entry is read again in the background before it
 * expires, so requests do not wait on Redis for it at all, yet nothing served
 * is older than maxAgeMs: a change made elsewhere (another gateway replica) is
 * seen within that bound, one made through this process at once (its writes
 * call `invalidate`). Misses are not cached: a key created elsewhere works at once.
 */
export class ReadThroughCache<V> {
  private readonly entries = new Map<string, { at: number; value: V }>();
  private readonly refreshing = new Set<string>();
  /** Bumped by every write: a read that overlapped one is not cached (it may predate it). */
  private writes = 0;

  constructor(
    private readonly clock: Clock,
    private readonly options: ReadThroughCacheOptions,
    private readonly read: (key: string) => Promise<V | undefined>,
  ) {}

  async get(key: string): Promise<V | undefined> {
    const hit = this.entries.get(key);
    if (hit) {
      const age = this.clock.now() - hit.at;
      if (age < this.options.maxAgeMs) {
        if (age >= this.options.refreshAfterMs) this.refreshInBackground(key);
        return hit.value;
      }
    }
    return this.load(key);
  }

  /** Call before and after each write of `key`, so no read that overlaps it is cached. */
  invalidate(key: string): void {
    this.writes++;
    this.entries.delete(key);
  }

  private async load(key: string): Promise<V | undefined> {
    const at = this.clock.now();
    const writesBefore = this.writes;
    const value = await this.read(key);
    if (this.writes !== writesBefore) return value;
    this.entries.delete(key);
    if (value !== undefined) {
      if (this.entries.size >= this.options.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, { at, value });
    }
    return value;
  }

  /** One background read per key at a time; a failed one leaves the entry to expire. */
  private refreshInBackground(key: string): void {
    if (this.refreshing.has(key)) return;
    this.refreshing.add(key);
    this.load(key)
      .catch(() => undefined)
      .finally(() => this.refreshing.delete(key));
  }
}
