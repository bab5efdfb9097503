import { BufferPool } from './buffer-pool';

describe('BufferPool', () => {
  it('hands out its preallocated buffers and reuses released ones', async () => {
    const pool = new BufferPool(2, 64);
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect(a).not.toBe(b);
    expect([a.byteLength, b.byteLength, a.byteOffset, pool.freeCount]).toEqual([64, 64, 0, 0]);
    pool.release(a);
    expect(await pool.acquire()).toBe(a);
  });

  it('makes an acquire wait until a buffer is released, oldest waiter first', async () => {
    const pool = new BufferPool(1, 8);
    const only = await pool.acquire();
    const order: string[] = [];
    const first = pool.acquire().then((b) => (order.push('first'), b));
    const second = pool.acquire().then((b) => (order.push('second'), b));
    await Promise.resolve();
    expect(order).toEqual([]);
    pool.release(only);
    expect(await first).toBe(only);
    expect(order).toEqual(['first']);
    pool.release(only);
    expect(await second).toBe(only);
    expect(order).toEqual(['first', 'second']);
  });

  it('refuses an empty pool', () => {
    expect(() => new BufferPool(0, 8)).toThrow(RangeError);
  });
});
