import { startTestRedis, TestRedis } from '@tessera/testing';
import { createGatewayRedis } from './redis.module';

describe('createGatewayRedis', () => {
  let server: TestRedis;
  beforeAll(async () => {
    server = await startTestRedis();
  });
  afterAll(() => server.stop());

  it('sends the commands of one tick in one socket write (auto-pipelining), each still answered on its own', async () => {
    const redis = createGatewayRedis({ redisUrl: server.url });
    await redis.connect();
    try {
      await redis.set('k', 'v');
      const stream = (redis as unknown as { stream: { write: (...args: unknown[]) => boolean } }).stream;
      const write = jest.spyOn(stream, 'write');
      const answers = await Promise.all([redis.get('k'), redis.hget('h', 'f'), redis.incr('n'), redis.get('k')]);
      expect(answers).toEqual(['v', null, 1, 'v']);
      expect(write).toHaveBeenCalledTimes(1);
      // A failing command fails alone.
      const [bad, good] = await Promise.allSettled([redis.incr('k'), redis.get('k')]);
      expect(bad.status).toBe('rejected');
      expect(good).toEqual({ status: 'fulfilled', value: 'v' });
    } finally {
      await redis.quit();
    }
  });
});
