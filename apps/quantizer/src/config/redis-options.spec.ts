import { loadQuantizerConfig } from './quantizer-config';
import { redisOptions } from './redis-options';

describe('redisOptions', () => {
  it('reads host, port, credentials, database and TLS from the URL', () => {
    expect(redisOptions('rediss://user:p%40ss@redis.internal:6380/2')).toEqual({
      host: 'redis.internal',
      port: 6380,
      username: 'user',
      password: 'p@ss',
      db: 2,
      tls: {},
      maxRetriesPerRequest: null,
    });
    expect(redisOptions('redis://127.0.0.1')).toMatchObject({ host: '127.0.0.1', port: 6379, db: 0, tls: undefined, password: undefined });
  });

  it('refuses a database that is not a number, and text that is not a URL', () => {
    expect(() => redisOptions('redis://h:1/x')).toThrow(/database number/);
    expect(() => redisOptions('redis://[bad')).toThrow(/not a URL/);
  });

  it('makes the quantizer config refuse such a REDIS_URL at boot', () => {
    expect(() => loadQuantizerConfig({ REDIS_URL: 'redis://h/x', TESSERA_STORE_DIR: '/store' })).toThrow(expect.objectContaining({ code: 'EQUANTIZERCONFIG', message: expect.stringMatching(/REDIS_URL=.*database number/) }));
  });
});
