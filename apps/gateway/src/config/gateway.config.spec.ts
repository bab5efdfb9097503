import { ConfigError, loadGatewayConfig } from './gateway.config';

describe('loadGatewayConfig', () => {
  it('has working defaults', () => {
    const config = loadGatewayConfig({});
    expect(config).toMatchObject({ port: 8080, host: '0.0.0.0', redisUrl: 'redis://127.0.0.1:6379', adminKey: undefined, registryPrefix: 'tessera:' });
    expect(config.bodyLimitBytes).toBeGreaterThan(0);
    expect(config.defaultMaxWaiting).toBeGreaterThanOrEqual(0);
  });

  it('reads every variable', () => {
    const config = loadGatewayConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      REDIS_URL: 'redis://r:6380/2',
      TESSERA_ADMIN_KEY: 'tsk-0123456789abcdefXYZ',
      BODY_LIMIT_BYTES: '2048',
      RATE_LIMIT_RPM: '10',
      RATE_LIMIT_TPM: '1000',
      QUEUE_MAX_CONCURRENT: '3',
      QUEUE_MAX_WAITING: '0',
      REGISTRY_PREFIX: 'test:',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      redisUrl: 'redis://r:6380/2',
      adminKey: 'tsk-0123456789abcdefXYZ',
      bodyLimitBytes: 2048,
      defaultRequestsPerMinute: 10,
      defaultTokensPerMinute: 1000,
      defaultMaxConcurrent: 3,
      defaultMaxWaiting: 0,
      registryPrefix: 'test:',
    });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['BODY_LIMIT_BYTES', '10'],
    ['RATE_LIMIT_RPM', '0'],
    ['QUEUE_MAX_CONCURRENT', '1.5'],
    ['REDIS_URL', 'http://redis'],
    ['TESSERA_ADMIN_KEY', 'short'],
    ['TESSERA_ADMIN_KEY', 'sk-0123456789abcdefXYZ'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadGatewayConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ [name]: value })).toThrow(name);
  });
});
