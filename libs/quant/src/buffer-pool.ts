// A fixed set of equal buffers, allocated once and handed out in turn. Reusing
// them keeps resident memory flat however many tensors pass through (fresh
// buffers per tensor pile up until the garbage collector gets to them, and
// each costs page faults on first touch).

export class BufferPool {
  private readonly free: Buffer[] = [];
  private readonly waiting: Array<(b: Buffer) => void> = [];

  constructor(
    count: number,
    readonly bufferBytes: number,
  ) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`a buffer pool needs at least one buffer, got ${count}`);
    // Unpooled memory starts at offset 0 of its ArrayBuffer, so F32 views on it are aligned.
    for (let i = 0; i < count; i++) this.free.push(Buffer.allocUnsafeSlow(bufferBytes));
  }

  /** A free buffer, waiting for one to be released when all are in use. */
  acquire(): Promise<Buffer> {
    const b = this.free.pop();
    return b ? Promise.resolve(b) : new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Gives a buffer back (to the longest waiter first). */
  release(b: Buffer): void {
    const next = this.waiting.shift();
    if (next) next(b);
    else this.free.push(b);
  }

  get freeCount(): number {
    return this.free.length;
  }
}
